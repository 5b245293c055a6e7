//! `jemput-server demo --records N`: the demo data are real, valid registration documents
//! in the database a running server uses, with the users behind them able to sign in.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::harness::database::TestDatabase;
use crate::harness::{expect_json, spawn_app, wal_bytes, TestApp, DISTRICTS_CSV, REGENCIES_CSV};
use jemput_server::store::{self, PullQuery, Store};
use jemput_shared::document::RegistrationDoc;
use jemput_shared::domain::RegionDirectory;
use jemput_shared::history::history;
use jemput_shared::policy::Scope;
use jemput_shared::registration::{Registration, ReviewStatus};
use jemput_shared::validation::{validate, ValidationContext};
use reqwest::StatusCode;
use serde_json::Value;

const DAY_MS: i64 = 24 * 3_600_000;

/// Villages in every district of the support module's list (two districts of 17.01, one
/// of 17.71), so each district gets an officer.
const VILLAGES_CSV: &str = "code,district_code,name\n\
    17.01.01.2001,17.01.01,Batu Ampar\n\
    17.01.01.2002,17.01.01,Rantau Sialang\n\
    17.01.02.2001,17.01.02,Padang Lebar\n\
    17.01.02.2002,17.01.02,Sukaraja\n\
    17.71.01.1001,17.71.01,Pagar Dewa\n";

/// The test's small region list as files, the way `--regions DIR` reads them.
fn region_files() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    for (name, text) in [
        ("regencies.csv", REGENCIES_CSV),
        ("districts.csv", DISTRICTS_CSV),
        ("villages.csv", VILLAGES_CSV),
    ] {
        std::fs::write(dir.path().join(name), text).expect("writing a region file");
    }
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn demo(app: &TestApp, args: &[&str]) -> std::process::Output {
    let mut all = vec!["demo"];
    all.extend_from_slice(args);
    app.cli(&all, &[]).await
}

/// The store the server uses, opened beside it.
async fn open_store(database: &TestDatabase, data_dir: &Path) -> Arc<dyn Store> {
    store::open(database.url(), data_dir)
        .await
        .expect("the store opens")
}

/// Every stored registration document, read back.
async fn documents(store: &dyn Store) -> Vec<(Registration, RegistrationDoc)> {
    let page = store
        .changed_documents(PullQuery {
            scope: Scope::Everything,
            after_seq: 0,
            exclude_device: None,
            limit: 100_000,
            max_bytes: usize::MAX,
        })
        .await
        .expect("documents");
    assert!(!page.more);
    page.docs
        .into_iter()
        .map(|changed| {
            let bytes = changed.bytes.expect("the document's bytes");
            let doc = RegistrationDoc::load(&bytes).expect("a document that loads");
            (doc.read().expect("a registration"), doc)
        })
        .collect()
}

async fn users_by_name(app: &TestApp) -> HashMap<String, Value> {
    let token = app.admin_token().await;
    let list = expect_json(
        app.get("/api/admin/users", Some(&token)).await,
        StatusCode::OK,
    )
    .await;
    list["users"]
        .as_array()
        .expect("a user list")
        .iter()
        .map(|u| (u["username"].as_str().unwrap().to_owned(), u.clone()))
        .collect()
}

#[tokio::test]
async fn demo_data_are_valid_documents_with_duplicates_reviews_and_users_who_sign_in() {
    let app = spawn_app().await;
    let regions = region_files();
    let regions_dir = regions.path().to_str().unwrap();
    let output = demo(&app, &["--records", "300", "--regions", regions_dir]).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let printed = text(&output.stdout);
    assert!(
        printed.contains("Added 300 demo registrations"),
        "{printed}"
    );
    assert!(printed.contains("supervisor-1701"), "{printed}");

    let store = open_store(&app.database, &app.data_dir).await;
    assert_eq!(store.registration_count().await.unwrap(), 300);
    let mut docs = documents(store.as_ref()).await;
    assert_eq!(docs.len(), 300);

    // Every document is a valid registration: no error, not even a warning.
    let directory = RegionDirectory::from_csv(REGENCIES_CSV, DISTRICTS_CSV, VILLAGES_CSV).unwrap();
    let ctx = ValidationContext {
        today: jemput_server::clock::today(),
        regions: Some(&directory),
    };
    for (registration, _) in &docs {
        let report = validate(registration, &ctx);
        assert!(
            report.errors().next().is_none() && report.warnings().next().is_none(),
            "{registration:?}: {report:?}"
        );
    }

    // Spread over both regencies and the last 90 days.
    let now = jemput_server::clock::now_ms();
    for regency in ["17.01", "17.71"] {
        assert!(docs.iter().any(|(r, _)| r.address.regency == regency));
    }
    assert!(docs
        .iter()
        .all(|(r, _)| r.created_at <= now && r.created_at > now - 91 * DAY_MS));
    let oldest = docs.iter().map(|(r, _)| r.created_at).min().unwrap();
    assert!(oldest < now - 30 * DAY_MS);

    // Some people were registered twice: they share a NIK.
    let mut by_nik: HashMap<&str, usize> = HashMap::new();
    for (registration, _) in &docs {
        *by_nik.entry(registration.nik.as_str()).or_default() += 1;
    }
    let sharing: usize = by_nik.values().filter(|&&n| n > 1).sum();
    assert!((2..=30).contains(&sharing), "{sharing} records share a NIK");

    // About 30 % are reviewed, as a supervisor's own change after the officer's.
    let users = users_by_name(&app).await;
    let supervisor_ids: Vec<&str> = ["supervisor-1701", "supervisor-1771"]
        .iter()
        .map(|name| users[*name]["id"].as_str().unwrap())
        .collect();
    let mut reviewed = 0;
    let mut commented = 0;
    let mut followed_ups = 0;
    for (registration, doc) in docs.iter_mut() {
        let changes = history(doc, &Default::default());
        assert_eq!(
            changes[0].author_id.as_deref(),
            Some(registration.registered_by.as_str())
        );
        if registration.review.status == ReviewStatus::Submitted {
            assert_eq!(changes.len(), 1);
            continue;
        }
        reviewed += 1;
        commented += usize::from(!registration.review.comments.is_empty());
        // Then, for some verified people, the officer's follow-up steps.
        let followed_up = !registration.follow_ups.is_empty();
        assert_eq!(
            changes.len(),
            2 + usize::from(followed_up),
            "{registration:?}"
        );
        if followed_up {
            assert_eq!(registration.review.status, ReviewStatus::Verified);
            assert_eq!(
                changes[2].author_id.as_deref(),
                Some(registration.registered_by.as_str())
            );
            followed_ups += 1;
        }
        let reviewer = changes[1].author_id.as_deref().unwrap();
        assert!(supervisor_ids.contains(&reviewer));
        assert!(changes[1].fields.iter().any(|f| f.starts_with("review")));
        if registration.review.status == ReviewStatus::NeedsCorrection {
            assert!(!registration.review.comments.is_empty());
        }
    }
    assert!((50..=140).contains(&reviewed), "{reviewed} reviewed");
    assert!(commented > 0);
    assert!(followed_ups > 0, "some verified people have follow-ups");

    // The officers exist, registered these records from their phones, and sign in with
    // the demo password; at least one has not synced for over a week.
    let officers: Vec<&Value> = users.values().filter(|u| u["role"] == "officer").collect();
    assert_eq!(officers.len(), 3, "two districts in 17.01, one in 17.71");
    let token = app.admin_token().await;
    let mut stale = 0;
    for officer in &officers {
        let id = officer["id"].as_str().unwrap();
        let devices = expect_json(
            app.get(&format!("/api/admin/users/{id}/devices"), Some(&token))
                .await,
            StatusCode::OK,
        )
        .await;
        let device = &devices["devices"][0];
        let last_sync = device["last_sync_at"]
            .as_i64()
            .unwrap_or_else(|| panic!("no last sync time: {devices}"));
        stale += usize::from(last_sync < now - 7 * DAY_MS);
        let device_id = device["id"].as_str().unwrap();
        assert!(docs
            .iter()
            .filter(|(r, _)| r.registered_by == id)
            .all(|(r, _)| r.device_id == device_id));
    }
    assert!(stale >= 1);
    assert!(docs
        .iter()
        .all(|(r, _)| officers.iter().any(|o| o["id"] == r.registered_by.as_str())));
    for username in [
        "officer-1701-1",
        "officer-1701-2",
        "officer-1771-1",
        "supervisor-1771",
    ] {
        app.login(username, jemput_server::demo::DEFAULT_PASSWORD)
            .await;
    }

    // A second run reuses every user and adds its records beside the first run's.
    let before = users.len();
    let output = demo(&app, &["--records", "20", "--seed", "2"]).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("officer-1701-1 (existing)"));
    assert_eq!(users_by_name(&app).await.len(), before);
    assert_eq!(store.registration_count().await.unwrap(), 320);

    // With --if-empty, a database that holds registrations is left alone.
    let output = demo(&app, &["--records", "20", "--if-empty"]).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("no demo data added"));
    assert_eq!(store.registration_count().await.unwrap(), 320);
}

#[tokio::test]
async fn demo_data_need_a_region_list() {
    let app = spawn_app().await;
    let output = demo(&app, &["--records", "10"]).await;
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("no region list") && stderr.contains("--regions"),
        "{stderr}"
    );
    let store = open_store(&app.database, &app.data_dir).await;
    assert_eq!(store.registration_count().await.unwrap(), 0);
}

#[tokio::test]
async fn demo_data_on_a_fresh_database_create_the_admin_with_the_given_password() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let database = TestDatabase::create();
    let regions = region_files();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_jemput-server"))
        .args(["demo", "--records", "5", "--regions"])
        .arg(regions.path())
        .arg("--data-dir")
        .arg(&data_dir)
        .args(database.args())
        .env_remove("JEMPUT_DATABASE_URL")
        .env("JEMPUT_PASSWORD", "a-password-of-our-own")
        .env("RUST_LOG", "warn")
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    if database.url().is_none() {
        // Closed as the server closes it: everything in the database file, the WAL empty.
        let left = wal_bytes(&data_dir);
        assert_eq!(left, 0, "the demo left {left} bytes of WAL behind");
    }
    let store = open_store(&database, &data_dir).await;
    let (admin, hash) = store.credentials("admin").await.unwrap().expect("an admin");
    assert_eq!(admin.role.code(), "admin");
    assert!(jemput_server::auth::verify_password("a-password-of-our-own".into(), Some(hash)).await);
    assert_eq!(store.registration_count().await.unwrap(), 5);
}
