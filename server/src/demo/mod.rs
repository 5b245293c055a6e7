//! `jemput-server demo --records N`: fills a database with N realistic registrations so a
//! new user sees a living dashboard at once.
//!
//! The records are real Automerge documents written through [`Store::commit_documents`],
//! the same commit a sync uses, so documents, change log, projection (and whatever else
//! that commit maintains) agree exactly as after real syncs. The pieces:
//!
//! - [`users`]: officers (about four per regency, each with a phone), a supervisor per
//!   regency and an admin, created or reused;
//! - [`plan`]: when each officer synced over the last 90 days and how many records each
//!   sync brought (some officers went quiet more than a week ago);
//! - [`person`], [`names`]: the people — names, NIKs ([`Nik::issue`](jemput_shared::domain::Nik::issue))
//!   consistent with district, birth date and gender, phones;
//! - [`generator`]: one registration document per record, some re-registering an
//!   earlier person (a shared NIK), some reviewed by the regency's supervisor.
//!
//! Generating documents is CPU work and runs on worker threads, one session (sync) at a
//! time each, a few sessions ahead of the committer; commits go in session order, one
//! transaction per session. The same seed gives the same people, places and reviews.

mod follow_ups;
pub mod generator;
pub mod names;
pub mod person;
pub mod plan;
pub mod users;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::accounts::Password;
use crate::clock;
use crate::regions;
use crate::startup::AppState;
use crate::store::{PushedBy, Store};

use generator::Generator;
use plan::Plan;
use users::{Login, Staff};

/// The password of demo users when none is given.
pub const DEFAULT_PASSWORD: &str = "demo-kopi-pagi-hari";

#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub records: u64,
    pub seed: u64,
    /// For the users created now; existing users keep theirs.
    pub password: Password,
    /// Import the region list from here first (`regencies.csv`, `districts.csv`,
    /// `villages.csv`); otherwise the stored list is used.
    pub regions_dir: Option<PathBuf>,
    /// Add nothing when the database holds registrations already.
    pub only_if_empty: bool,
}

/// How far the filling is, for a progress line.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub records: u64,
    pub total: u64,
    pub elapsed: Duration,
}

#[derive(Debug, Clone)]
pub enum DemoOutcome {
    Filled(DemoSummary),
    /// `only_if_empty` and the database held this many registrations.
    Skipped {
        existing: u64,
    },
}

#[derive(Debug, Clone)]
pub struct DemoSummary {
    pub records: u64,
    /// Records re-registering a person registered before (they share a NIK).
    pub duplicates: u64,
    pub reviewed: u64,
    pub officers: usize,
    pub stale_officers: usize,
    pub elapsed: Duration,
    pub logins: Vec<Login>,
    /// Registrations in the database afterwards.
    pub registrations_now: u64,
}

/// Fills `store` as `options` say, calling `progress` now and then.
pub async fn fill(
    store: Arc<dyn Store>,
    options: DemoOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> anyhow::Result<DemoOutcome> {
    let existing = store.registration_count().await?;
    if options.only_if_empty && existing > 0 {
        return Ok(DemoOutcome::Skipped { existing });
    }
    if let Some(dir) = &options.regions_dir {
        regions::import_dir(store.as_ref(), dir).await?;
    }
    let state = AppState::load(Arc::clone(&store)).await?;
    let Some(directory) = state.regions.directory() else {
        bail!(
            "the database has no region list: give --regions DIR (regencies.csv, districts.csv \
             and villages.csv, as in shared/data/regions) or import one first with \
             `jemput-server regions import DIR`"
        );
    };

    let started = Instant::now();
    let now = clock::now_ms();
    let staff = Arc::new(Staff::ensure(store.as_ref(), &directory, &options.password, now).await?);
    let weights: Vec<u64> = staff
        .officers
        .iter()
        .map(|o| o.villages.len() as u64)
        .collect();
    let plan = Arc::new(Plan::new(&weights, options.records, options.seed, now));
    let generator = Arc::new(Generator {
        seed: options.seed,
        first_index: existing,
        staff: Arc::clone(&staff),
        plan: Arc::clone(&plan),
        sealer: state.sealer.clone(),
        now,
        today: clock::today(),
    });

    let (duplicates, reviewed) = generate_and_commit(
        store.as_ref(),
        &generator,
        options.records,
        started,
        progress,
    )
    .await?;
    for (officer, last_sync) in staff.officers.iter().zip(&plan.last_sync) {
        store
            .record_sync(&officer.device_id, *last_sync, Some(0))
            .await?;
    }
    // Done once the supervisor views show every record: a store that projects after the
    // commit (SQLite) may still be writing the last batches.
    let registrations_now = projected_count(store.as_ref(), existing + options.records).await?;
    Ok(DemoOutcome::Filled(DemoSummary {
        records: options.records,
        duplicates,
        reviewed,
        officers: staff.officers.len(),
        stale_officers: plan.stale.iter().filter(|&&s| s).count(),
        elapsed: started.elapsed(),
        logins: staff.logins.clone(),
        registrations_now,
    }))
}

/// The projection's count of registrations once it reaches `expected` (each call waits
/// a few seconds for the projection to catch up); an error if it stops growing.
async fn projected_count(store: &dyn Store, expected: u64) -> anyhow::Result<u64> {
    let mut count = store.registration_count().await?;
    while count < expected {
        let before = count;
        count = store.registration_count().await?;
        if count == before {
            bail!("the projection stopped at {count} of {expected} registrations");
        }
    }
    Ok(count)
}

/// Sessions generated ahead of the committer at most; bounds memory.
const SESSIONS_AHEAD: usize = 6;

/// Generates the plan's sessions on worker threads and commits them in order, one
/// transaction each. Returns the duplicates and reviewed records written.
async fn generate_and_commit(
    store: &dyn Store,
    generator: &Arc<Generator>,
    total: u64,
    started: Instant,
    progress: &(dyn Fn(Progress) + Sync),
) -> anyhow::Result<(u64, u64)> {
    let sessions = generator.plan.sessions.len();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let next_session = Arc::new(AtomicUsize::new(0));
    let committed = Arc::new(AtomicUsize::new(0));
    let (sender, mut receiver) = tokio::sync::mpsc::channel(SESSIONS_AHEAD);
    let mut threads = Vec::new();
    for _ in 0..workers {
        let (generator, next_session, committed, sender) = (
            Arc::clone(generator),
            Arc::clone(&next_session),
            Arc::clone(&committed),
            sender.clone(),
        );
        threads.push(std::thread::spawn(move || loop {
            let index = next_session.fetch_add(1, Ordering::Relaxed);
            if index >= sessions {
                break;
            }
            while index >= committed.load(Ordering::Acquire) + SESSIONS_AHEAD {
                if sender.is_closed() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            let batch = generator.session(index);
            if sender.blocking_send((index, batch)).is_err() {
                return;
            }
        }));
    }
    drop(sender);

    let mut waiting = BTreeMap::new();
    let (mut written, mut duplicates, mut reviewed) = (0u64, 0u64, 0u64);
    let mut next = 0usize;
    let mut last_report = Instant::now();
    let result: anyhow::Result<()> = async {
        while let Some((index, batch)) = receiver.recv().await {
            waiting.insert(index, batch);
            while let Some(batch) = waiting.remove(&next) {
                let batch = batch.with_context(|| format!("generating demo session {next}"))?;
                let session = &generator.plan.sessions[next];
                let officer = &generator.staff.officers[session.officer];
                let pushed_by = PushedBy {
                    user_id: officer.user_id.clone(),
                    device_id: officer.device_id.clone(),
                    sync: None,
                };
                let count = batch.writes.len() as u64;
                store
                    .commit_documents(pushed_by, batch.writes, session.sync_at)
                    .await
                    .context("committing demo registrations")?;
                written += count;
                duplicates += batch.duplicates;
                reviewed += batch.reviewed;
                next += 1;
                committed.store(next, Ordering::Release);
                if last_report.elapsed() >= Duration::from_secs(2) {
                    last_report = Instant::now();
                    progress(Progress {
                        records: written,
                        total,
                        elapsed: started.elapsed(),
                    });
                }
            }
        }
        Ok(())
    }
    .await;
    drop(receiver);
    // Workers notice the closed channel and stop after the session in hand.
    let _ = tokio::task::spawn_blocking(move || {
        for thread in threads {
            let _ = thread.join();
        }
    })
    .await;
    result?;
    if next < sessions {
        bail!("demo generation stopped after {next} of {sessions} sessions");
    }
    Ok((duplicates, reviewed))
}
