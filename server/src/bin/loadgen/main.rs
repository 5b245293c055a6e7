//! `jemput-loadgen`: creates officer accounts, lets every device first pull what its
//! village already holds (untimed), has each of K devices register M people offline,
//! syncs all devices at once, then has a fresh supervisor device pull everything. Prints
//! one JSON object with the measured figures.
//!
//! `--supervisor-per-regency` (for a server holding many registrations already, `cargo
//! xtask bench --preload`): one fresh supervisor per regency the officers worked in, one
//! after the other, each dropped once its copies are checked, so the load generator never
//! holds more than one regency's documents (a whole province of a million took 21 GB).
//!
//! `--skip-pull`: the devices' sync alone, no supervisor afterwards.
//!
//! `--url` may name several server instances sharing one database (comma-separated or
//! repeated): devices are spread over them round-robin, and the supervisor pulls from the
//! last one, so convergence is checked across instances.
//!
//! `--slow-clients N` measures something else: `/healthz` latency while N slow clients
//! hold connections (see `slow_clients.rs`).

mod slow_clients;

use std::collections::BTreeMap;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use clap::Parser;
use jemput_server::client::NativeDevice;
use jemput_shared::document::{Hash, RegistrationDoc};
use jemput_shared::sample::SampleGenerator;
use serde_json::json;

#[derive(Parser, Debug)]
#[command(about = "Load generator for jemput-server")]
struct Args {
    /// The server, or several instances of it on one database.
    #[arg(long, value_delimiter = ',', default_value = "http://127.0.0.1:8080")]
    url: Vec<String>,
    #[arg(long, default_value = "admin")]
    admin_user: String,
    /// Needed for the sync run (not for --slow-clients).
    #[arg(long, env = "JEMPUT_ADMIN_PASSWORD")]
    admin_password: Option<String>,
    #[arg(long, default_value_t = 10)]
    devices: usize,
    #[arg(long, default_value_t = 100)]
    records: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Instead of the sync run: hold N slow connections to the first --url and measure
    /// /healthz meanwhile.
    #[arg(long, value_name = "N")]
    slow_clients: Option<u64>,
    /// With --slow-clients: how many /healthz requests to time (one every 100 ms).
    #[arg(long, default_value_t = 100)]
    health_samples: usize,
    /// Pull with one supervisor per regency, in turn, instead of one for all of them
    /// (`pull_ms` is then the sum of their pulls).
    #[arg(long)]
    supervisor_per_regency: bool,
    /// Only the devices' sync: no supervisor pulls afterwards (`pull_ms` is null). For
    /// runs beside something else being measured (`cargo xtask bench-backup`).
    #[arg(long, conflicts_with = "supervisor_per_regency")]
    skip_pull: bool,
}

/// Villages used when the server has no region list imported.
const FALLBACK_VILLAGES: &[&str] = &[
    "17.01.01.2001",
    "17.02.01.1001",
    "17.71.01.1001",
    "17.03.01.2001",
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let urls = &args.url;
    if let Some(clients) = args.slow_clients {
        let report = slow_clients::run(&urls[0], clients, args.health_samples).await?;
        println!("{report}");
        return Ok(());
    }
    let admin_password = args
        .admin_password
        .as_deref()
        .context("--admin-password (or JEMPUT_ADMIN_PASSWORD) is needed")?;
    let mut admin = NativeDevice::login(&urls[0], &args.admin_user, admin_password).await?;
    let villages = villages(&mut admin).await?;
    let run = format!(
        "{:x}",
        SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as u64 ^ args.seed
    );
    let mut gen = SampleGenerator::new(args.seed);
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as i64;

    // Accounts and devices.
    let password = format!("lg-{}", gen.uuid());
    let mut devices = Vec::with_capacity(args.devices);
    let mut regencies = std::collections::BTreeSet::new();
    // The documents this run creates: with registrations stored before the run (`cargo
    // xtask bench --preload`), devices also pull those of their own village.
    let mut created = std::collections::BTreeSet::new();
    // Each officer works one village of their own, as officers are assigned in the field.
    let step = (villages.len() / args.devices.max(1)).max(1);
    for i in 0..args.devices {
        let village = villages[(i * step) % villages.len()].clone();
        let username = format!("lg{run}-{i}");
        let (status, body) = admin
            .api(
                "POST",
                "/api/admin/users",
                Some(json!({"username": username, "password": password, "role": "officer", "display_name": format!("Petugas {i}"), "regions": [village]})),
            )
            .await?;
        if status != 201 && status != 200 {
            bail!("creating {username} failed: {status} {body}");
        }
        let url = &urls[i % urls.len()];
        let device = NativeDevice::login(url, &username, &password).await?;
        regencies.insert(village[..5].to_owned());
        devices.push((device, village));
    }

    // Untimed: every officer's device first pulls what its village already holds
    // (nothing on an empty server; with `--preload`, the village's stored
    // registrations), as a phone in use has, so the timed sync measures this run's
    // records, not a first download of the history.
    let villages: Vec<String> = devices.iter().map(|(_, village)| village.clone()).collect();
    let devices = devices.into_iter().map(|(device, _)| device).collect();
    let mut devices = warm_up(devices).await?;
    for (device, village) in devices.iter_mut().zip(&villages) {
        for _ in 0..args.records {
            let registration = gen.registration(
                &device.user_id.clone(),
                &device.device_id.clone(),
                village,
                now,
            );
            created.insert(registration.id.clone());
            device.create(&registration);
        }
    }

    // All devices sync at once. (Phases are told on stderr, e.g. for a profiler to
    // record the timed sync alone.)
    eprintln!("loadgen: timed sync starts");
    let started = Instant::now();
    let mut tasks = Vec::new();
    for mut device in devices {
        tasks.push(tokio::spawn(async move {
            let (up, down) = (device.connection.bytes_up, device.connection.bytes_down);
            let result = device.sync().await;
            let bytes = (
                device.connection.bytes_up - up,
                device.connection.bytes_down - down,
            );
            (device, result, bytes)
        }));
    }
    let mut devices = Vec::new();
    let (mut up_bytes, mut down_bytes) = (0u64, 0u64);
    for task in tasks {
        let (device, result, (up, down)) = task.await?;
        result.with_context(|| format!("device {} failed to sync", device.device_id))?;
        up_bytes += up;
        down_bytes += down;
        devices.push(device);
    }
    let sync_ms = started.elapsed().as_secs_f64() * 1000.0;
    eprintln!("loadgen: timed sync done in {sync_ms:.0} ms");
    let records = (args.devices * args.records) as f64;

    // A device with M documents syncs again with nothing new (one catch-up sync first:
    // it may not have seen what devices in its area sent after it finished).
    let noop_sync_bytes = match devices.first_mut() {
        Some(device) => {
            device.sync().await?;
            let before = device.connection.bytes_up + device.connection.bytes_down;
            device.sync().await?;
            device.connection.bytes_up + device.connection.bytes_down - before
        }
        None => 0,
    };

    // Convergence: the server holds exactly K×M registrations of this run, and the
    // supervisors' copies equal the devices' documents.
    let mut expected = BTreeMap::new();
    let mut rejected = 0;
    for device in &mut devices {
        rejected += device.replica.rejected.len();
        for (id, (doc, _)) in device.replica.docs.iter_mut() {
            if !created.contains(id) {
                continue;
            }
            expected.insert(id.clone(), sorted_heads(doc));
        }
    }

    // Fresh supervisor devices pull everything (with `--preload`, the stored
    // registrations of their regencies too: `pull_ms` is then a first download).
    let scopes: Vec<Vec<String>> = if args.supervisor_per_regency {
        regencies.into_iter().map(|regency| vec![regency]).collect()
    } else {
        vec![regencies.into_iter().collect()]
    };
    let supervisors = Supervisors {
        admin: &mut admin,
        url: urls.last().context("no --url")?,
        password: &password,
        run: &run,
    };
    let pull = match args.skip_pull {
        true => None,
        false => Some(supervisors.pull(&scopes, &expected).await?),
    };

    let (_, stats) = admin.api("GET", "/api/admin/stats", None).await?;
    let server_count = stats["registrations"].as_u64().unwrap_or(0);
    let pending: usize = devices.iter_mut().map(|d| d.pending()).sum();
    let converged = rejected == 0
        && pending == 0
        && expected.len() as f64 == records
        && pull.as_ref().is_none_or(|pull| pull.heads == expected)
        && server_count >= expected.len() as u64;

    let report = json!({
        "records": records as u64,
        "devices": args.devices,
        "instances": urls.len(),
        "sync_ms": round(sync_ms),
        "records_per_sec": round(records / (sync_ms / 1000.0)),
        "up_bytes": up_bytes,
        "down_bytes": down_bytes,
        "up_bytes_per_record": round(up_bytes as f64 / records),
        "down_bytes_per_record": round(down_bytes as f64 / records),
        "pull_ms": pull.as_ref().map(|pull| round(pull.millis)),
        "pull_down_bytes_per_record": pull.as_ref().map(|pull| round(pull.bytes_down as f64 / records)),
        "noop_sync_bytes": noop_sync_bytes,
        "server_registrations": server_count,
        "rejected": rejected,
        "converged": converged,
    });
    println!("{report}");
    Ok(())
}

/// What fresh supervisor devices pulled: the time and bytes of their first syncs, and the
/// sorted heads of their copies of the documents looked for.
struct Pull {
    millis: f64,
    bytes_down: u64,
    heads: BTreeMap<String, Vec<Hash>>,
}

/// Creates supervisor accounts of this run, on the server at `url`.
struct Supervisors<'a> {
    admin: &'a mut NativeDevice,
    url: &'a str,
    password: &'a str,
    run: &'a str,
}

impl Supervisors<'_> {
    /// One fresh supervisor device per scope (a list of regencies), one after the other:
    /// each syncs once (timed), its copies of `wanted` are noted, and it is dropped.
    async fn pull(
        self,
        scopes: &[Vec<String>],
        wanted: &BTreeMap<String, Vec<Hash>>,
    ) -> anyhow::Result<Pull> {
        let mut pull = Pull {
            millis: 0.0,
            bytes_down: 0,
            heads: BTreeMap::new(),
        };
        for (k, regencies) in scopes.iter().enumerate() {
            let username = format!("lg{}-supervisor-{k}", self.run);
            let (status, body) = self
                .admin
                .api(
                    "POST",
                    "/api/admin/users",
                    Some(json!({"username": username, "password": self.password, "role": "supervisor", "display_name": "Supervisor", "regions": regencies})),
                )
                .await?;
            if status != 201 && status != 200 {
                bail!("creating {username} failed: {status} {body}");
            }
            let mut supervisor = NativeDevice::login(self.url, &username, self.password).await?;
            let down_before = supervisor.connection.bytes_down;
            let started = Instant::now();
            supervisor.sync().await?;
            pull.millis += started.elapsed().as_secs_f64() * 1000.0;
            pull.bytes_down += supervisor.connection.bytes_down - down_before;
            for (id, (doc, _)) in supervisor.replica.docs.iter_mut() {
                if wanted.contains_key(id) {
                    pull.heads.insert(id.clone(), sorted_heads(doc));
                }
            }
        }
        Ok(pull)
    }
}

fn sorted_heads(doc: &mut RegistrationDoc) -> Vec<Hash> {
    let mut heads = doc.heads();
    heads.sort();
    heads
}

fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

async fn villages(admin: &mut NativeDevice) -> anyhow::Result<Vec<String>> {
    let (status, regions) = admin.api("GET", "/api/regions", None).await?;
    let mut villages: Vec<String> = Vec::new();
    if status == 200 {
        if let Some(list) = regions["villages"].as_array() {
            villages = list
                .iter()
                .filter_map(|v| v["code"].as_str().map(str::to_owned))
                .collect();
        }
    }
    if villages.is_empty() {
        villages = FALLBACK_VILLAGES.iter().map(|s| s.to_string()).collect();
    }
    Ok(villages)
}

/// Syncs every device once, all at once; the devices come back in the same order.
async fn warm_up(devices: Vec<NativeDevice>) -> anyhow::Result<Vec<NativeDevice>> {
    let tasks: Vec<_> = devices
        .into_iter()
        .map(|mut device| {
            tokio::spawn(async move {
                let result = device.sync().await;
                (device, result)
            })
        })
        .collect();
    let mut devices = Vec::with_capacity(tasks.len());
    for task in tasks {
        let (device, result) = task.await?;
        result.with_context(|| format!("device {} failed its first sync", device.device_id))?;
        devices.push(device);
    }
    Ok(devices)
}
