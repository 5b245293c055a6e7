//! Losing the database machine: two server instances on a pg_auto_failover cluster (a
//! primary, its synchronous secondary, a monitor — [`FailoverCluster`]), officers'
//! phones syncing continuously through both, and the primary killed with SIGKILL, its
//! keeper and every backend with it. The monitor promotes the secondary, the servers
//! find it through their multi-host URL (`target_session_attrs=read-write`), and the
//! phones, which kept retrying, write again; the old primary comes back as the new
//! secondary. Every document acknowledged to a phone — before, during and after — is on
//! the new primary, and after a last sync the phones and the server agree.
//!
//! Prints the failover's numbers (a `failover:` JSON line): seconds without a write,
//! documents acknowledged in each phase, documents lost (asserted 0).
//!
//! Runs only with `JEMPUT_TEST_FAILOVER` set (`cargo xtask test` sets it for a run of
//! its own, after installing pg_auto_failover): it needs `pg_autoctl` and takes a minute.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::harness::events::Events;
use crate::harness::failover_cluster::FailoverCluster;
use crate::harness::{assert_nothing_rejected, password_of, register, spawn_app_on, TestApp};
use jemput_server::client::NativeDevice;
use jemput_shared::document::Hash;
use jemput_shared::sample::SampleGenerator;

/// The variable that turns this test on.
const FAILOVER_TEST: &str = "JEMPUT_TEST_FAILOVER";
/// Officers' phones, alternately on instance A and B.
const PHONES: usize = 4;
/// New registrations a phone makes before each sync.
const PER_SYNC: usize = 2;
/// How long the phones sync before the kill, and on after each step of the failover.
const STEADY: Duration = Duration::from_secs(4);
/// How long a phone may go without a write once the database is back.
const PATIENCE: Duration = Duration::from_secs(60);
const VILLAGES: [&str; 2] = ["17.01.01.2001", "17.01.01.2002"];

/// One sync attempt of one phone: when it started and ended, whether it succeeded, and
/// which of the phone's own registrations it got acknowledged first (a failed sync may
/// have had some batches acknowledged before it broke off).
struct Attempt {
    phone: usize,
    started: Instant,
    at: Instant,
    /// Why it failed: the HTTP status, or "network" when no answer came.
    failure: Option<String>,
    acknowledged: Vec<(String, Vec<Hash>)>,
}

impl Attempt {
    fn wrote(&self) -> bool {
        !self.acknowledged.is_empty()
    }
}

type Attempts = Arc<Mutex<Vec<Attempt>>>;

fn logged(attempts: &Attempts) -> std::sync::MutexGuard<'_, Vec<Attempt>> {
    attempts.lock().expect("no phone panicked holding the log")
}

/// A phone registering [`PER_SYNC`] people and syncing, again and again until `stop`;
/// after a failure it waits a moment and retries, as the app's scheduler does.
async fn keep_syncing(
    phone: usize,
    mut device: NativeDevice,
    mut gen: SampleGenerator,
    stop: Arc<AtomicBool>,
    attempts: Attempts,
) -> NativeDevice {
    // The phone's own registrations not acknowledged yet (it also pulls its
    // colleagues').
    let mut unacknowledged = BTreeSet::new();
    while !stop.load(Ordering::Relaxed) {
        let made = register(&mut device, &mut gen, VILLAGES[phone % 2], PER_SYNC);
        unacknowledged.extend(made.into_iter().map(|r| r.id));
        let started = Instant::now();
        let failure = device.sync().await.err().map(|error| {
            let message = error.to_string();
            // "sync failed: 503 …" (see NativeDevice::sync), or a connection error.
            match message.strip_prefix("sync failed: ") {
                Some(rest) => rest.chars().take(3).collect(),
                None => "network".to_owned(),
            }
        });
        let at = Instant::now();
        let acknowledged: Vec<(String, Vec<Hash>)> = device
            .replica
            .docs
            .iter()
            .filter(|(id, (_, synced))| {
                !synced.heads.is_empty() && unacknowledged.contains(id.as_str())
            })
            .map(|(id, (_, synced))| (id.clone(), synced.heads.clone()))
            .collect();
        for (id, _) in &acknowledged {
            unacknowledged.remove(id);
        }
        logged(&attempts).push(Attempt {
            phone,
            started,
            at,
            acknowledged,
            failure: failure.clone(),
        });
        let pause = if failure.is_none() { 50 } else { 200 };
        tokio::time::sleep(Duration::from_millis(pause)).await;
    }
    device
}

/// Waits until every phone has written (had a document acknowledged) after `since`.
async fn every_phone_writes_after(attempts: &Attempts, since: Instant) {
    let started = Instant::now();
    loop {
        let writing: BTreeSet<usize> = logged(attempts)
            .iter()
            .filter(|a| a.at > since && a.wrote())
            .map(|a| a.phone)
            .collect();
        if writing.len() == PHONES {
            return;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "after {PATIENCE:?} only phones {writing:?} write again"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A fresh device of supervisor `name` on `server`, holding everything the server has.
async fn everything_on(server: &TestApp, name: &str) -> NativeDevice {
    let mut device = NativeDevice::login(&server.address, name, &password_of(name))
        .await
        .expect("the supervisor logs in");
    device.sync().await.expect("a full pull");
    device
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_the_primary_loses_no_acknowledged_document() {
    if std::env::var(FAILOVER_TEST).is_err() {
        println!("skipped: needs pg_auto_failover; set {FAILOVER_TEST} (cargo xtask test does)");
        return;
    }
    let mut cluster = FailoverCluster::start().await;
    let first = cluster.primary().await;
    let second = 1 - first;
    // An acknowledged commit is on the secondary's disk too: the primary's commits wait
    // for it (`on`: until the standby flushed it).
    let standby_names = cluster.setting(first, "synchronous_standby_names").await;
    assert!(
        !standby_names.is_empty(),
        "synchronous replication is on before the kill"
    );
    assert_eq!(cluster.setting(first, "synchronous_commit").await, "on");

    let a = spawn_app_on(&cluster.admin_url()).await;
    let b = a.start_beside().await;
    a.create_user("kepala", "supervisor", &["17.01"]).await;
    // Live updates on both instances: their LISTEN connections die with the primary.
    let watcher = NativeDevice::login(&a.address, "kepala", &password_of("kepala"))
        .await
        .expect("the supervisor logs in");
    let mut events = [
        Events::open(&a.address, watcher.token()).await,
        Events::open(&b.address, watcher.token()).await,
    ];
    let stop = Arc::new(AtomicBool::new(false));
    let attempts: Attempts = Arc::default();
    let mut phones = Vec::new();
    for phone in 0..PHONES {
        let user = a
            .create_user(&format!("officer{phone}"), "officer", &["17.01.01"])
            .await;
        let server = if phone % 2 == 0 { &a } else { &b };
        let device = NativeDevice::login(&server.address, &user.username, &user.password)
            .await
            .expect("the officer logs in");
        phones.push(tokio::spawn(keep_syncing(
            phone,
            device,
            SampleGenerator::new(100 + phone as u64),
            Arc::clone(&stop),
            Arc::clone(&attempts),
        )));
    }

    tokio::time::sleep(STEADY).await;
    let killed = Instant::now();
    cluster.kill(first);
    cluster.wait_promoted(second).await;
    let promoted = Instant::now();
    every_phone_writes_after(&attempts, promoted).await;
    tokio::time::sleep(STEADY).await;
    cluster.rejoin(first).await;
    let rejoined = Instant::now();
    assert!(
        !cluster
            .setting(second, "synchronous_standby_names")
            .await
            .is_empty(),
        "synchronous replication is back once the old primary follows the new one"
    );
    every_phone_writes_after(&attempts, rejoined).await;
    // Each instance listens again: it told its subscribers that notices were missed,
    // then passes on commits again.
    for events in &mut events {
        events.wait_for("resync", PATIENCE).await;
        events.wait_for("registrations", PATIENCE).await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut devices = Vec::new();
    for phone in phones {
        devices.push(phone.await.expect("a phone's task"));
    }

    // Every acknowledged document is on the new primary (the servers connect to nothing
    // else), before any phone syncs again: a lost one would never be pushed again, the
    // phone holds it as acknowledged.
    let attempts = std::mem::take(&mut *logged(&attempts));
    let acknowledged: BTreeMap<&str, &[Hash]> = attempts
        .iter()
        .flat_map(|a| &a.acknowledged)
        .map(|(id, heads)| (id.as_str(), heads.as_slice()))
        .collect();
    let mut kepala = everything_on(&a, "kepala").await;
    let lost: Vec<&str> = acknowledged
        .iter()
        .filter(|(id, heads)| {
            kepala
                .replica
                .docs
                .get_mut(**id)
                .is_none_or(|(doc, _)| !doc.contains_all(heads))
        })
        .map(|(id, _)| *id)
        .collect();

    // Writes stop at the kill (a sync under way then may still have been acknowledged
    // batches committed before it) and start again with the first sync begun after it
    // that gets a registration acknowledged.
    let first_write_after = attempts
        .iter()
        .filter(|a| a.wrote() && a.started > killed)
        .map(|a| a.at)
        .min()
        .expect("phones wrote after the kill");
    let in_phase = |from: Option<Instant>, to: Option<Instant>| -> usize {
        attempts
            .iter()
            .filter(|a| from.is_none_or(|f| a.at > f) && to.is_none_or(|t| a.at <= t))
            .map(|a| a.acknowledged.len())
            .sum()
    };
    let mut failures: BTreeMap<&str, usize> = BTreeMap::new();
    for failure in attempts.iter().filter_map(|a| a.failure.as_deref()) {
        *failures.entry(failure).or_default() += 1;
    }
    let report = serde_json::json!({
        "seconds_without_writes": (first_write_after - killed).as_secs_f64(),
        "seconds_kill_to_promotion": (promoted - killed).as_secs_f64(),
        "seconds_promotion_to_rejoined": (rejoined - promoted).as_secs_f64(),
        "acknowledged_before_kill": in_phase(None, Some(killed)),
        "acknowledged_kill_to_promotion": in_phase(Some(killed), Some(promoted)),
        "acknowledged_promotion_to_rejoined": in_phase(Some(promoted), Some(rejoined)),
        "acknowledged_after_rejoined": in_phase(Some(rejoined), None),
        "acknowledged": acknowledged.len(),
        "failed_syncs": failures,
        "lost": lost.len(),
    });
    println!("failover: {report}");
    assert!(lost.is_empty(), "acknowledged documents lost: {lost:?}");
    // The outage is a 503 (the database is unavailable) or a dropped connection, never a
    // server error.
    assert!(
        failures.keys().all(|f| ["503", "network"].contains(f)),
        "failures: {failures:?}"
    );

    // The phones sync until nothing is pending; then the server holds every registration
    // exactly as the phones do.
    for device in &mut devices {
        for attempt in 0.. {
            assert!(attempt < 20, "{} cannot finish syncing", device.device_id);
            if device.sync().await.is_ok() && device.pending() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_nothing_rejected(device);
    }
    let mut fresh = everything_on(&b, "kepala").await;
    let total = PER_SYNC * attempts.len();
    assert_eq!(fresh.replica.docs.len(), total, "every registration, once");
    for device in &mut devices {
        for (id, (doc, _)) in device.replica.docs.iter_mut() {
            let (copy, _) = fresh.replica.docs.get_mut(id).expect("on the server");
            let (mut mine, mut theirs) = (doc.heads(), copy.heads());
            mine.sort();
            theirs.sort();
            assert_eq!(mine, theirs, "{id} differs between phone and server");
        }
    }
    assert_eq!(a.registration_count().await, total as u64);
    assert_eq!(b.registration_count().await, total as u64);
    kepala.sync().await.expect("the supervisor catches up");
    assert!(
        a.log_lines_with(&["panicked"]).is_empty(),
        "no server panicked"
    );
}
