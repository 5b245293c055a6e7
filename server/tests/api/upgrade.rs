//! Upgrading: the current server opens a database an earlier release made and migrates
//! it. Each release's database is kept in `server/tests/fixtures/schema/REV/` (how one is
//! made: the README there), with what that release's own API answered about it; after the
//! migration the same questions get the same answers, people sign in with their
//! passwords, and an officer's phone syncs without a rejection.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use flate2::read::GzDecoder;
use jemput_server::client::NativeDevice;
use jemput_shared::api::registrations::{RegistrationPage, TableRow};
use jemput_shared::api::users::UserList;
use jemput_shared::registration::ReviewStatus;
use serde::Deserialize;
use std::collections::BTreeMap;

use crate::harness::database::TestDatabase;
use crate::harness::supervision::edit;
use crate::harness::{api_ok, assert_nothing_rejected, spawn_app_prepared};

/// The releases whose databases the current server must open, oldest first.
const RELEASES: &[&str] = &["34f1c0d"];

/// What the release's own API answered about its database (`*.expected.json`).
#[derive(Debug, Deserialize)]
struct Expected {
    /// `GET /api/admin/stats`' registrations.
    registrations: u64,
    /// `GET /api/admin/users`, counted.
    users: usize,
    /// Every user's password.
    password: String,
    officer: String,
    /// The officer's own registrations.
    officer_registrations: usize,
    supervisor: String,
    /// The supervisor's `GET /api/overview`: `total`, `by_status`.
    supervisor_total: i64,
    supervisor_by_status: BTreeMap<ReviewStatus, i64>,
    /// One of the officer's registrations in `GET /api/registrations`.
    row: TableRow,
}

#[tokio::test]
async fn databases_of_earlier_releases_migrate_and_keep_everything() {
    for release in RELEASES {
        upgrade_from(release).await;
    }
}

async fn upgrade_from(release: &str) {
    let dir = fixtures().join(release);
    let mut backend = "sqlite";
    let server = spawn_app_prepared(|data_dir, database| {
        if database.is_postgres() {
            backend = "postgres";
        }
        load(
            &gunzip(&dir.join(format!("{backend}.sql.gz"))),
            data_dir,
            database,
        );
    })
    .await;
    let expected: Expected = serde_json::from_slice(
        &std::fs::read(dir.join(format!("{backend}.expected.json"))).expect("the expectations"),
    )
    .expect("expectations that parse");

    // Everyone signs in with the password they had.
    let login = |username: &str| {
        let (address, username, password) = (
            server.address.clone(),
            username.to_owned(),
            expected.password.clone(),
        );
        async move {
            NativeDevice::login(&address, &username, &password)
                .await
                .unwrap_or_else(|e| {
                    panic!("{username} signs in after the upgrade from {release}: {e}")
                })
        }
    };
    let mut admin = login("admin").await;
    let stats = api_ok(&mut admin, "GET", "/api/admin/stats", None).await;
    assert_eq!(stats["registrations"], expected.registrations, "{release}");
    let users: UserList =
        serde_json::from_value(api_ok(&mut admin, "GET", "/api/admin/users", None).await)
            .expect("a list of users");
    assert_eq!(users.users.len(), expected.users, "{release}");

    // The supervisor views answer as before, once the re-projection is done.
    let mut supervisor = login(&expected.supervisor).await;
    let mut attempts = 0;
    loop {
        let overview = api_ok(&mut supervisor, "GET", "/api/overview", None).await;
        let by_status: BTreeMap<ReviewStatus, i64> =
            serde_json::from_value(overview["by_status"].clone()).expect("by_status");
        if overview["total"] == expected.supervisor_total
            && by_status == expected.supervisor_by_status
        {
            break;
        }
        attempts += 1;
        assert!(
            attempts < 100,
            "the overview after the upgrade from {release}: {overview}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let listed = table(&mut admin).await;
    assert_eq!(listed.total, expected.registrations, "{release}");
    let row = listed
        .rows
        .iter()
        .find(|row| row.id == expected.row.id)
        .unwrap_or_else(|| panic!("{} in the table", expected.row.id));
    assert_eq!(row, &expected.row, "{release}");

    // The officer's phone (a new one: a phone's own state is not in the database) pulls
    // their registrations, and an edit pushes without a rejection.
    let mut officer = login(&expected.officer).await;
    officer.sync().await.expect("the officer's phone syncs");
    let own: Vec<&TableRow> = listed
        .rows
        .iter()
        .filter(|row| row.registered_by == expected.row.registered_by)
        .collect();
    assert_eq!(own.len(), expected.officer_registrations, "{release}");
    for row in &own {
        assert!(
            officer.replica.docs.contains_key(&row.id),
            "{} pulled",
            row.id
        );
    }
    edit(&mut officer, &expected.row.id, |registration| {
        registration.full_name = format!("{} Putri", registration.full_name);
    });
    officer.sync().await.expect("the edit syncs");
    assert_nothing_rejected(&officer);
    assert_eq!(officer.pending(), 0);
    let renamed = format!("{} Putri", expected.row.full_name);
    let after = table(&mut admin).await;
    let row = after
        .rows
        .iter()
        .find(|row| row.id == expected.row.id)
        .unwrap();
    assert_eq!(row.full_name, renamed, "{release}");
}

/// The whole table (the fixtures hold fewer than 100 registrations).
async fn table(device: &mut NativeDevice) -> RegistrationPage {
    let page = api_ok(device, "GET", "/api/registrations?per_page=100", None).await;
    serde_json::from_value(page).expect("a page of the table")
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schema")
}

fn gunzip(path: &Path) -> String {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut sql = String::new();
    GzDecoder::new(file)
        .read_to_string(&mut sql)
        .expect("a gzipped SQL dump");
    sql
}

/// Loads the dump into the test's fresh database, as an operator restoring it would
/// (without the `sqlite3` or `psql` programs).
fn load(dump: &str, data_dir: &Path, database: &TestDatabase) {
    if database.is_postgres() {
        database.execute(dump);
        return;
    }
    std::fs::create_dir_all(data_dir).expect("the data directory");
    let conn = rusqlite::Connection::open(data_dir.join("jemput.sqlite3")).expect("a database");
    conn.execute_batch(dump).expect("the dump loads");
}
