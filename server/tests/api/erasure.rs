//! Erasure for good (UU PDP Pasal 43–44): `POST /api/privacy/erase` and the retention
//! job (`jemput-server retention run`). An erased registration is gone from the server's
//! views, from the phones at their next sync, and from the database files after
//! `jemput-server compact`; a phone that was offline meanwhile cannot bring it back.

use jemput_server::client::NativeDevice;
use jemput_shared::document::ChangeAuthor;
use jemput_shared::registration::Registration;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{
    edit_as, expect_json, password_of, register_and_sync, spawn_app_with_siti, sync_accepted,
    TestApp,
};

/// `count` registrations by Siti in one village, synced; and Budi, supervisor of the
/// regency, signed in.
async fn registered(seed: u64, count: usize) -> (TestApp, NativeDevice, String, Vec<Registration>) {
    let (server, mut gen, mut siti) = spawn_app_with_siti(seed).await;
    let registrations = register_and_sync(&mut siti, &mut gen, "17.01.01.2001", count).await;
    let (_, budi) = server
        .create_user_and_login("budi", "supervisor", &["17.01"])
        .await;
    (server, siti, budi.token, registrations)
}

/// The audit entries about `nik` with `action`, from the person report an admin sees
/// (a supervisor sees the trail only of people whose registrations they hold).
async fn trail_of(server: &TestApp, nik: &str, action: &str) -> Vec<Value> {
    let admin = server.admin_token().await;
    let report = expect_json(
        server
            .get(&format!("/api/privacy/person?nik={nik}"), Some(&admin))
            .await,
        StatusCode::OK,
    )
    .await;
    report["trail"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["action"] == action)
        .cloned()
        .collect()
}

/// Runs `sql` on the server's database, whichever backend it is.
fn execute(server: &TestApp, sql: &str) {
    if server.database.is_postgres() {
        server.database.execute(sql);
    } else {
        let path = server.data_dir.join("jemput.sqlite3");
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .unwrap();
        conn.execute_batch(sql).unwrap();
    }
}

fn occurrences(haystack: &[u8], needle: &str) -> usize {
    let needle = needle.as_bytes();
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

#[tokio::test]
async fn an_erased_person_is_gone_from_the_server_the_phones_and_the_files() {
    let (mut server, mut siti, budi, registrations) = registered(61, 3).await;
    let erased = &registrations[0];
    // A second phone of Siti's, offline since it pulled everything.
    let mut old_phone = NativeDevice::login(&server.address, "siti", &password_of("siti"))
        .await
        .unwrap();
    sync_accepted(&mut old_phone).await;
    assert!(old_phone.replica.docs.contains_key(&erased.id));

    let answer = expect_json(
        server
            .post_json(
                "/api/privacy/erase",
                Some(&budi),
                &json!({ "nik": erased.nik }),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(answer["erased"], 1);
    assert_eq!(server.registration_count().await, 2);
    let record = server
        .get(&format!("/api/registrations/{}", erased.id), Some(&budi))
        .await;
    assert_eq!(record.status(), StatusCode::NOT_FOUND);
    // Exactly one entry, by Budi, for the registration.
    let entries = trail_of(&server, &erased.nik, "erased").await;
    assert_eq!(entries.len(), 1, "{entries:#?}");
    assert_eq!(entries[0]["username"], "budi");
    assert_eq!(entries[0]["target"], erased.id.as_str());
    // Erasing again erases nothing more.
    let again = expect_json(
        server
            .post_json(
                "/api/privacy/erase",
                Some(&budi),
                &json!({ "nik": erased.nik }),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["erased"], 0);

    // The phone that synced afterwards drops its copy, and keeps the others.
    sync_accepted(&mut siti).await;
    assert!(!siti.replica.docs.contains_key(&erased.id));
    assert_eq!(siti.replica.docs.len(), 2);

    // The phone that was offline edits its old copy and syncs: the copy is deleted, not
    // sent back.
    let author = ChangeAuthor::new(old_phone.user_id.clone(), "Siti");
    edit_as(
        &mut old_phone,
        &erased.id,
        &author,
        1_764_000_100_000,
        |r| {
            r.phone = "081234567890".into();
        },
    );
    old_phone.sync().await.unwrap();
    assert!(!old_phone.replica.docs.contains_key(&erased.id));
    assert!(old_phone.replica.rejected.is_empty());
    assert_eq!(old_phone.pending(), 0);
    assert_eq!(server.registration_count().await, 2);
    // A new phone never receives it.
    let mut new_phone = NativeDevice::login(&server.address, "siti", &password_of("siti"))
        .await
        .unwrap();
    sync_accepted(&mut new_phone).await;
    assert_eq!(new_phone.replica.docs.len(), 2);
    assert!(!new_phone.replica.docs.contains_key(&erased.id));

    if server.database.is_postgres() {
        // The rows are gone: no projection row, a tombstone without bytes.
        server.database.execute(&format!(
            "DO $$ BEGIN
               IF EXISTS (SELECT 1 FROM registrations WHERE nik = '{nik}' OR id = '{id}')
                  OR EXISTS (SELECT 1 FROM documents WHERE id = '{id}' AND octet_length(bytes) > 0)
                  OR NOT EXISTS (SELECT 1 FROM erasures WHERE doc_id = '{id}')
               THEN RAISE EXCEPTION 'the erased registration is still stored'; END IF;
             END $$",
            nik = erased.nik,
            id = erased.id
        ));
        return;
    }
    // After compaction, no byte of the person's NIK, name or phone is left in the
    // database file or its write-ahead log.
    let compacted = server.cli(&["compact"], &[]).await;
    assert!(compacted.status.success(), "{compacted:?}");
    server.kill().await;
    let mut files = std::fs::read(server.data_dir.join("jemput.sqlite3")).unwrap();
    if let Ok(wal) = std::fs::read(server.data_dir.join("jemput.sqlite3-wal")) {
        files.extend(wal);
    }
    let kept = &registrations[1];
    assert!(occurrences(&files, &kept.nik) > 0, "the others are kept");
    let mut personal = vec![erased.nik.as_str(), erased.full_name.as_str()];
    if !erased.phone.is_empty() {
        personal.push(&erased.phone);
    }
    for value in personal {
        let shared = registrations[1..]
            .iter()
            .any(|other| other.full_name == value || other.phone == value);
        if !shared {
            assert_eq!(
                occurrences(&files, value),
                0,
                "{value} is still in the files"
            );
        }
    }
}

#[tokio::test]
async fn retention_erases_exactly_the_expired_registrations() {
    let (server, mut siti, _budi, registrations) = registered(62, 3).await;
    let expired = &registrations[1];
    execute(
        &server,
        &format!(
            "UPDATE registrations SET updated_at = 1000 WHERE id = '{}'",
            expired.id
        ),
    );

    let dry = server
        .cli(
            &["retention", "run", "--dry-run", "--retention-days", "30"],
            &[],
        )
        .await;
    assert!(dry.status.success(), "{dry:?}");
    let listed = String::from_utf8(dry.stdout).unwrap();
    assert!(listed.starts_with("1 registrations"), "{listed}");
    assert!(listed.contains(&expired.id), "{listed}");
    assert_eq!(
        server.registration_count().await,
        3,
        "a dry run erases nothing"
    );

    let run = server
        .cli(&["retention", "run", "--retention-days", "30"], &[])
        .await;
    assert!(run.status.success(), "{run:?}");
    let said = String::from_utf8(run.stdout).unwrap();
    assert!(said.starts_with("1 registrations"), "{said}");
    assert_eq!(server.registration_count().await, 2);
    sync_accepted(&mut siti).await;
    assert!(!siti.replica.docs.contains_key(&expired.id));
    assert_eq!(siti.replica.docs.len(), 2);
    let entries = trail_of(&server, &expired.nik, "erased").await;
    assert_eq!(entries.len(), 1, "{entries:#?}");
    assert_eq!(entries[0]["detail"], "retention");
    assert!(entries[0]["username"].is_null());

    // Nothing else is due; retention 0 is off.
    let again = server
        .cli(&["retention", "run", "--retention-days", "30"], &[])
        .await;
    assert!(String::from_utf8(again.stdout)
        .unwrap()
        .starts_with("0 registrations"));
    let off = server
        .cli(&["retention", "run", "--retention-days", "0"], &[])
        .await;
    assert!(String::from_utf8(off.stdout).unwrap().contains("off"));
    assert_eq!(server.registration_count().await, 2);
}

#[tokio::test]
async fn officers_cannot_erase_and_a_supervisor_only_in_their_regencies() {
    let (server, _siti, _budi, registrations) = registered(63, 1).await;
    let (_, rina) = server
        .create_user_and_login("rina", "supervisor", &["17.02"])
        .await;
    let nik = &registrations[0].nik;
    let outside = expect_json(
        server
            .post_json(
                "/api/privacy/erase",
                Some(&rina.token),
                &json!({ "nik": nik }),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(outside["erased"], 0);
    assert_eq!(server.registration_count().await, 1);
    let (_, officer) = server
        .create_user_and_login("andi", "officer", &["17.01.01"])
        .await;
    let refused = server
        .post_json(
            "/api/privacy/erase",
            Some(&officer.token),
            &json!({ "nik": nik }),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let bad = server
        .post_json(
            "/api/privacy/erase",
            Some(&rina.token),
            &json!({ "nik": "17" }),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(server.registration_count().await, 1);
}

#[tokio::test]
async fn requests_are_tracked_with_their_deadline_and_a_correction_opens_the_review() {
    let (server, mut siti, budi, registrations) = registered(64, 2).await;
    let person = &registrations[0];
    let masked = format!("{}••••••••{}", &person.nik[..4], &person.nik[12..]);

    let access = expect_json(
        server
            .post_json(
                "/api/privacy/requests",
                Some(&budi),
                &json!({ "kind": "access", "nik": person.nik, "note": "datang ke kantor" }),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(access["nik_masked"], masked);
    assert_eq!(
        access["due_at"].as_i64().unwrap() - access["received_at"].as_i64().unwrap(),
        3 * 24 * 3600 * 1000
    );
    assert_eq!(access["received_by"], "budi");
    assert!(access["closed_at"].is_null());

    // A correction marks the person's registration "needs correction", with the words,
    // and the officer's phone receives it.
    let correction = server
        .post_json(
            "/api/privacy/requests",
            Some(&budi),
            &json!({ "kind": "correction", "nik": person.nik, "note": "nama salah eja" }),
        )
        .await;
    expect_json(correction, StatusCode::OK).await;
    sync_accepted(&mut siti).await;
    let (doc, _) = siti.replica.docs.get_mut(&person.id).unwrap();
    let held = doc.read().unwrap();
    assert_eq!(held.review.status.code(), "needs_correction");
    assert!(held
        .review
        .comments
        .last()
        .unwrap()
        .text
        .contains("nama salah eja"));

    // An erasure request, served by the erasure, is closed as done, in time.
    let erasure = expect_json(
        server
            .post_json(
                "/api/privacy/requests",
                Some(&budi),
                &json!({ "kind": "erasure", "nik": person.nik }),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let id = erasure["id"].as_str().unwrap();
    let open = expect_json(
        server
            .get("/api/privacy/requests?open=true", Some(&budi))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(open.as_array().unwrap().len(), 3);
    expect_json(
        server
            .post_json(
                "/api/privacy/erase",
                Some(&budi),
                &json!({ "nik": person.nik, "request_id": id }),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let all = expect_json(
        server.get("/api/privacy/requests", Some(&budi)).await,
        StatusCode::OK,
    )
    .await;
    let closed = all
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap();
    assert_eq!(closed["outcome"], "done");
    assert_eq!(closed["closed_by"], "budi");
    assert!(closed["closed_at"].as_i64().unwrap() <= closed["due_at"].as_i64().unwrap());
    // Closing twice, or an unknown request, is a 404; the access request closes once.
    let again = server
        .post_json(
            &format!("/api/privacy/requests/{id}/close"),
            Some(&budi),
            &json!({ "outcome": "done" }),
        )
        .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    let access_id = access["id"].as_str().unwrap();
    let done = expect_json(
        server
            .post_json(
                &format!("/api/privacy/requests/{access_id}/close"),
                Some(&budi),
                &json!({ "outcome": "done" }),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(done["outcome"], "done");
    let open = expect_json(
        server
            .get("/api/privacy/requests?open=true", Some(&budi))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        open.as_array().unwrap().len(),
        1,
        "the correction stays open"
    );

    // Each step left one entry about the person.
    assert_eq!(
        trail_of(&server, &person.nik, "request_received")
            .await
            .len(),
        3
    );
    let (status, _) = siti
        .api("GET", "/api/privacy/requests", None)
        .await
        .unwrap();
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_registration_without_a_nik_is_erased_by_its_id_in_scope_only() {
    let (server, mut gen, mut siti) = spawn_app_with_siti(65).await;
    let mut without_nik =
        crate::harness::register(&mut siti, &mut gen, "17.01.01.2001", 1).remove(0);
    without_nik.nik = String::new();
    without_nik.no_nik_reason = Some("KTP belum terbit".into());
    siti.replica.docs.clear();
    siti.create(&without_nik);
    register_and_sync(&mut siti, &mut gen, "17.01.01.2001", 1).await;
    assert_eq!(server.registration_count().await, 2);
    let (_, budi) = server
        .create_user_and_login("budi", "supervisor", &["17.01"])
        .await;
    let (_, rina) = server
        .create_user_and_login("rina", "supervisor", &["17.02"])
        .await;
    let body = json!({ "registration_id": without_nik.id });

    let outside = server
        .post_json("/api/privacy/erase-registration", Some(&rina.token), &body)
        .await;
    assert_eq!(outside.status(), StatusCode::NOT_FOUND);
    let (status, _) = siti
        .api(
            "POST",
            "/api/privacy/erase-registration",
            Some(body.clone()),
        )
        .await
        .unwrap();
    assert_eq!(status, 403);
    let answer = expect_json(
        server
            .post_json("/api/privacy/erase-registration", Some(&budi.token), &body)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(answer["erased"], 1);
    assert_eq!(server.registration_count().await, 1);
    let again = server
        .post_json("/api/privacy/erase-registration", Some(&budi.token), &body)
        .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    sync_accepted(&mut siti).await;
    assert!(!siti.replica.docs.contains_key(&without_nik.id));
    assert_eq!(siti.replica.docs.len(), 1);
    let admin = server.admin_token().await;
    let trail = expect_json(
        server
            .get("/api/admin/audit?action=erased", Some(&admin))
            .await,
        StatusCode::OK,
    )
    .await;
    let entries = trail["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["target"], without_nik.id.as_str());
}
