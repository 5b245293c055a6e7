//! Backups that restore (SQLite; a PostgreSQL deployment uses pg_dump, docs/backup.md):
//! `jemput-server backup` while phones sync, `restore` into a fresh data directory, and
//! the phones converge with the restored server through the reset/seal path — nothing
//! acknowledged before the backup is lost, and what was acknowledged after it comes back
//! from the phones, which still hold it. `restore` refuses a running server's data and
//! files that are not Jemput backups; the server's own backups rotate.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jemput_server::client::NativeDevice;
use jemput_server::startup::SEAL_KEY_SETTING;
use jemput_shared::document::Hash;
use jemput_shared::sample::SampleGenerator;
use jemput_shared::sync::device::SyncLimits;
use serde_json::json;

use crate::harness::database::TEST_DATABASE_URL;
use crate::harness::supervision::read;
use crate::harness::{
    assert_nothing_rejected, first_id, password_of, register, register_and_sync, review,
    serve_refused, spawn_app, spawn_app_with_args, spawn_app_with_siti, sync_accepted, TestApp,
};

const VILLAGE: &str = "17.01.01.2001";
const DEVICES: usize = 3;
/// Registrations a phone adds before each of its syncs in the storm.
const PER_ROUND: usize = 20;
/// Each phone's syncs after the backup finished, whose registrations the backup lacks.
const ROUNDS_AFTER_BACKUP: usize = 2;
const COMMENT: &str = "Periksa nomor telepon.";
const METRICS_TOKEN: &str = "scrape-token-for-the-backups";
/// Written after the backup; the phones pull it before the server is lost.
const LATER_COMMENT: &str = "Lampirkan fotokopi KTP.";

/// What phones hold as acknowledged: document id → the heads the server acknowledged.
type Acknowledged = BTreeMap<String, Vec<Hash>>;

/// The storm's shared flags: set by the test, read by the phones.
#[derive(Default)]
struct Storm {
    backup_started: AtomicBool,
    backup_done: AtomicBool,
    /// Acknowledged to a phone by a sync that ended before the backup started.
    acknowledged_before: Mutex<Acknowledged>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_a_sync_storm_restores_and_the_phones_converge() {
    let mut server = spawn_app().await;
    if server.database.is_postgres() {
        return; // pg_dump's business (docs/backup.md)
    }
    let mut supervisor = server.device("supervisor", "supervisor", &["17.01"]).await;
    let mut phones = Vec::new();
    for i in 0..DEVICES {
        let mut phone = server
            .device(&format!("officer{i}"), "officer", &["17.01.01"])
            .await;
        // Small batches: many requests, so the backup lands in the middle of syncs.
        phone.limits = SyncLimits {
            max_push_bytes: 4 * 1024,
            ..SyncLimits::default()
        };
        let mut gen = SampleGenerator::new(100 + i as u64);
        register(&mut phone, &mut gen, VILLAGE, PER_ROUND);
        sync_accepted(&mut phone).await;
        phones.push((phone, gen));
    }
    // A supervisor's review with a comment, before the backup. (Through the API, as the
    // supervisor's app does it; that device does not sync afterwards: the server counts
    // the state it wrote for a device as that device's, and would not send it back.)
    supervisor.sync().await.expect("the supervisor pulls");
    let reviewed = first_id(&supervisor);
    review(
        &mut supervisor,
        &reviewed,
        json!({"status": "needs_correction", "comment": COMMENT}),
    )
    .await;

    // The storm: every phone registers and syncs, round after round, until it has synced
    // twice after the backup.
    let storm = Arc::new(Storm::default());
    let syncing: Vec<_> = phones
        .into_iter()
        .map(|(phone, gen)| tokio::spawn(sync_through_the_backup(phone, gen, Arc::clone(&storm))))
        .collect();
    for _ in 0..6_000 {
        if lock(&storm.acknowledged_before).len() >= DEVICES * PER_ROUND * 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let backup = server.data_dir.with_file_name("backup.sqlite3");
    storm.backup_started.store(true, Ordering::SeqCst);
    let output = server.cli(&["backup", path_str(&backup)], &[]).await;
    storm.backup_done.store(true, Ordering::SeqCst);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "backup failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.starts_with("backed up "), "{stdout}");
    let mut phones = Vec::new();
    for task in syncing {
        phones.push(task.await.expect("a phone's task"));
    }
    let acknowledged_before = std::mem::take(&mut *lock(&storm.acknowledged_before));
    assert!(
        acknowledged_before.len() >= DEVICES * PER_ROUND * 3,
        "the backup ran during the storm"
    );

    // A review after the backup, which the phones pull: only they hold it now.
    let reviewed_later = phones[0]
        .replica
        .docs
        .keys()
        .find(|id| !acknowledged_before.contains_key(*id))
        .expect("a registration synced after the backup started")
        .clone();
    review(
        &mut supervisor,
        &reviewed_later,
        json!({"status": "needs_correction", "comment": LATER_COMMENT}),
    )
    .await;
    for phone in &mut phones {
        sync_accepted(phone).await;
    }

    // The machine is lost; the backup is restored into a fresh data directory.
    server.kill().await;
    let lost_dir = server.data_dir.clone();
    let restored_dir = server.data_dir.with_file_name("restored");
    let output = server
        .cli_in(&restored_dir, &["restore", path_str(&backup)], &[])
        .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.starts_with("restored "),
        "restore failed: {stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        seal_key(&restored_dir),
        seal_key(&lost_dir),
        "the restored server seals with the same key"
    );
    server.restart_in(restored_dir).await;

    // Before any phone syncs: everything acknowledged before the backup is there.
    let mut fresh = fresh_supervisor(&server).await;
    for (id, heads) in &acknowledged_before {
        let (doc, _) = fresh
            .replica
            .docs
            .get_mut(id)
            .unwrap_or_else(|| panic!("{id}, acknowledged before the backup, is lost"));
        assert!(
            doc.contains_all(heads),
            "changes of {id} acknowledged before the backup are lost"
        );
    }
    assert!(read(&mut fresh, &reviewed)
        .review
        .comments
        .iter()
        .any(|comment| comment.text == COMMENT));
    if let Some((doc, _)) = fresh.replica.docs.get_mut(&reviewed_later) {
        let later = doc.read().expect("a registration");
        assert!(
            later.review.comments.is_empty(),
            "the later review is not in the backup"
        );
    }
    let all_ids: BTreeSet<String> = phones
        .iter()
        .flat_map(|phone| phone.replica.docs.keys().cloned())
        .collect();
    let missing = all_ids
        .iter()
        .filter(|id| !fresh.replica.docs.contains_key(*id))
        .count();
    assert!(
        missing >= DEVICES * PER_ROUND * ROUNDS_AFTER_BACKUP,
        "the registrations of the syncs after the backup are not in it (missing {missing})"
    );

    // The phones sync: the server does not know their cursors and resets them; they offer
    // everything again, and the restored server takes back what it lacked.
    for phone in &mut phones {
        sync_until_done(phone).await;
    }
    assert_eq!(
        server.registration_count().await,
        all_ids.len() as u64,
        "each registration exactly once"
    );
    let mut fresh = fresh_supervisor(&server).await;
    assert_eq!(fresh.replica.docs.len(), all_ids.len());
    for phone in &mut phones {
        for (id, (doc, _)) in phone.replica.docs.iter_mut() {
            let (copy, _) = fresh.replica.docs.get_mut(id).expect("on the server");
            let (mut mine, mut theirs) = (doc.heads(), copy.heads());
            mine.sort();
            theirs.sort();
            assert_eq!(
                mine,
                theirs,
                "{id} differs between the phone {} and the server (reviewed: {}, before: {})",
                phone.user_id,
                *id == reviewed,
                acknowledged_before.contains_key(id)
            );
        }
    }
    for (id, text) in [(&reviewed, COMMENT), (&reviewed_later, LATER_COMMENT)] {
        let comments = read(&mut fresh, id).review.comments;
        assert_eq!(comments.len(), 1, "{text} is there once: {comments:?}");
        assert_eq!(comments[0].text, text);
    }
}

/// One phone in the storm: registers [`PER_ROUND`] and syncs, again and again, noting
/// what was acknowledged while the backup had not started, until it synced
/// [`ROUNDS_AFTER_BACKUP`] times after the backup.
async fn sync_through_the_backup(
    mut phone: NativeDevice,
    mut gen: SampleGenerator,
    storm: Arc<Storm>,
) -> NativeDevice {
    let mut rounds_after = 0;
    for _ in 0..1_000 {
        let after_backup = storm.backup_done.load(Ordering::SeqCst);
        register(&mut phone, &mut gen, VILLAGE, PER_ROUND);
        phone.sync().await.expect("a sync during the storm");
        assert_nothing_rejected(&phone);
        // Read after the sync returned: its acknowledgements came before the flag.
        if !storm.backup_started.load(Ordering::SeqCst) {
            let mut acknowledged = lock(&storm.acknowledged_before);
            for (id, (_, synced)) in &phone.replica.docs {
                if !synced.heads.is_empty() {
                    acknowledged.insert(id.clone(), synced.heads.clone());
                }
            }
        }
        if after_backup {
            rounds_after += 1;
            if rounds_after == ROUNDS_AFTER_BACKUP {
                return phone;
            }
        }
    }
    panic!("the backup never finished");
}

/// Syncs until nothing is pending (retrying, as the app does, if the first request meets
/// the killed server's connection).
async fn sync_until_done(phone: &mut NativeDevice) {
    let mut attempts = 0;
    while phone.pending() > 0 || attempts == 0 {
        attempts += 1;
        assert!(
            attempts < 20,
            "phone {} cannot finish syncing",
            phone.device_id
        );
        if phone.sync().await.is_err() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    assert_nothing_rejected(phone);
}

/// The supervisor signed in on a new device, with everything in scope pulled.
async fn fresh_supervisor(server: &TestApp) -> NativeDevice {
    let mut device = NativeDevice::login(&server.address, "supervisor", &password_of("supervisor"))
        .await
        .expect("the supervisor signs in");
    device.sync().await.expect("the supervisor pulls");
    device
}

#[tokio::test]
async fn restore_refuses_while_a_server_runs_on_the_data_directory() {
    let (server, mut gen, mut siti) = spawn_app_with_siti(3).await;
    if server.database.is_postgres() {
        return;
    }
    register_and_sync(&mut siti, &mut gen, VILLAGE, 5).await;
    let backup = server.data_dir.with_file_name("early.sqlite3");
    let output = server.cli(&["backup", path_str(&backup)], &[]).await;
    assert!(output.status.success());
    register_and_sync(&mut siti, &mut gen, VILLAGE, 5).await;
    let files_before = file_names(&server.data_dir);

    // Nor may a backup be written over the live database.
    let live = server.data_dir.join("jemput.sqlite3");
    let output = server.cli(&["backup", path_str(&live)], &[]).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "a backup replaced the live database"
    );
    assert!(stderr.contains("would replace the database"), "{stderr}");

    let output = server.cli(&["restore", path_str(&backup)], &[]).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "restore ran beside the server");
    assert!(
        stderr.contains("in use by a running jemput-server"),
        "{stderr}"
    );
    assert_eq!(file_names(&server.data_dir), files_before);
    assert_eq!(server.registration_count().await, 10, "nothing was changed");
}

#[tokio::test]
async fn restore_refuses_a_file_that_is_not_a_whole_jemput_database() {
    let (mut server, mut gen, mut siti) = spawn_app_with_siti(4).await;
    if server.database.is_postgres() {
        return;
    }
    register_and_sync(&mut siti, &mut gen, VILLAGE, 5).await;
    let backup = server.data_dir.with_file_name("good.sqlite3");
    assert!(server
        .cli(&["backup", path_str(&backup)], &[])
        .await
        .status
        .success());
    server.kill().await;
    let files_before = file_names(&server.data_dir);

    let scratch = server.data_dir.with_file_name("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    let text = scratch.join("notes.sqlite3");
    std::fs::write(&text, "nama, NIK, alamat\n".repeat(500)).unwrap();
    let other = scratch.join("other.sqlite3");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('x');")
        .unwrap();
    let truncated = scratch.join("truncated.sqlite3");
    let whole = std::fs::read(&backup).unwrap();
    std::fs::write(&truncated, &whole[..whole.len() / 2]).unwrap();

    for (file, reason) in [
        (&text, "not a SQLite database"),
        (&other, "not a Jemput database"),
        (&truncated, ""),
        (&scratch.join("missing.sqlite3"), "no backup file"),
    ] {
        let output = server.cli(&["restore", path_str(file)], &[]).await;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{} was restored", file.display());
        assert!(stderr.contains(reason), "{stderr}");
        assert_eq!(file_names(&server.data_dir), files_before, "{stderr}");
    }
    server.restart().await;
    assert_eq!(server.registration_count().await, 5, "nothing was changed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_backs_up_on_its_own_and_keeps_the_newest() {
    if std::env::var(TEST_DATABASE_URL).is_ok_and(|url| !url.is_empty()) {
        return; // SQLite's; see the_server_refuses_scheduled_backups_of_postgresql
    }
    let backups = tempfile::tempdir().unwrap();
    let kept_elsewhere = backups.path().join("jemput-before-upgrade.sqlite3");
    std::fs::write(&kept_elsewhere, b"an operator's own file").unwrap();
    let dir = path_str(backups.path());
    let args = [
        "--backup-dir",
        dir,
        "--backup-every",
        "1s",
        "--backup-keep",
        "2",
        "--metrics-token",
        METRICS_TOKEN,
    ];
    let (server, mut gen, mut siti) = {
        let server = spawn_app_with_args(&args).await;
        let gen = SampleGenerator::new(5);
        let siti = server.device("siti", "officer", &["17.01.01"]).await;
        (server, gen, siti)
    };
    register_and_sync(&mut siti, &mut gen, VILLAGE, 5).await;

    let mut seen = BTreeSet::new();
    for _ in 0..600 {
        let now: Vec<String> = file_names(backups.path())
            .into_iter()
            .filter(|name| name.starts_with("jemput-2") && name.ends_with(".sqlite3"))
            .collect();
        assert!(now.len() <= 2, "more backups than --backup-keep: {now:?}");
        seen.extend(now);
        if seen.len() >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        seen.len() >= 4,
        "backups written: {seen:?}\n{}",
        server.log()
    );
    assert!(kept_elsewhere.is_file(), "another file was deleted");
    assert!(!server.log_lines_with(&["backup written"]).is_empty());
    let last_backup = last_backup_in_metrics(&server)
        .await
        .expect("the last backup's time in the scrape");
    assert!(last_backup > 1.7e9, "{last_backup}");

    // The newest restores.
    let newest = seen.last().unwrap();
    let restored = server.data_dir.with_file_name("restored");
    let output = server
        .cli_in(
            &restored,
            &["restore", path_str(&backups.path().join(newest))],
            &[],
        )
        .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with("restored 5 registrations"),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn a_restarted_server_knows_its_newest_backup() {
    if std::env::var(TEST_DATABASE_URL).is_ok_and(|url| !url.is_empty()) {
        return; // SQLite's; see the_server_refuses_scheduled_backups_of_postgresql
    }
    // A backup the server wrote before its restart (the schedule goes by the file's time).
    let backups = tempfile::tempdir().unwrap();
    let earlier = backups.path().join("jemput-20261204T010203Z.sqlite3");
    std::fs::write(&earlier, b"a backup from before the restart").unwrap();
    let written = std::fs::metadata(&earlier).unwrap().modified().unwrap();
    let dir = path_str(backups.path());
    let server = spawn_app_with_args(&[
        "--backup-dir",
        dir,
        "--backup-every",
        "24h",
        "--metrics-token",
        METRICS_TOKEN,
    ])
    .await;
    let mut last_backup = None;
    for _ in 0..100 {
        last_backup = last_backup_in_metrics(&server).await;
        if last_backup.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let written = written
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let last_backup = last_backup.expect("the last backup's time in the scrape");
    assert!(
        (last_backup - written).abs() < 1.0,
        "{last_backup} vs {written}"
    );
}

#[tokio::test]
async fn the_server_refuses_scheduled_backups_of_postgresql() {
    let dir = tempfile::tempdir().unwrap();
    let output = serve_refused(
        &[
            "--database",
            "postgres://nobody@127.0.0.1:1/none",
            "--backup-dir",
            path_str(dir.path()),
        ],
        &[],
    )
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("pg_dump"), "{stderr}");
}

#[tokio::test]
async fn backup_and_restore_of_postgresql_point_at_its_own_tools() {
    if !std::env::var(TEST_DATABASE_URL).is_ok_and(|url| !url.is_empty()) {
        return;
    }
    let server = spawn_app().await;
    for (command, tool) in [("backup", "pg_dump"), ("restore", "pg_restore")] {
        let output = server
            .cli(&[command, "/tmp/jemput-unused.sqlite3"], &[])
            .await;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success());
        assert!(stderr.contains(tool), "{stderr}");
    }
}

/// The seal key in the SQLite database of `data_dir`.
/// `jemput_last_backup_timestamp_seconds` as `/metrics` reports it now, if it does.
async fn last_backup_in_metrics(server: &TestApp) -> Option<f64> {
    let scrape = server
        .client
        .get(server.url("/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    scrape
        .lines()
        .find_map(|line| line.strip_prefix("jemput_last_backup_timestamp_seconds "))
        .map(|value| value.parse::<f64>().unwrap())
}

fn seal_key(data_dir: &Path) -> String {
    let conn = rusqlite::Connection::open(data_dir.join("jemput.sqlite3")).unwrap();
    conn.query_row(
        "SELECT value FROM settings WHERE key = ?1",
        [SEAL_KEY_SETTING],
        |row| row.get(0),
    )
    .unwrap()
}

fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
