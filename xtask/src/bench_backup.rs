//! `cargo xtask bench-backup [--records N] [--devices K] [--per-device M]`: how long
//! `jemput-server backup` takes on a database of N registrations (the cached demo
//! database, `demo_database.rs`; default a million) while phones sync, how big the backup
//! is, what the backup costs the sync, and how long `restore` and the restored server's
//! start take.
//!
//! On a copy of the demo database, with the region list imported, a release server runs.
//! First one `jemput-loadgen --devices K --records M --skip-pull` alone (the sync's
//! throughput without a backup); then another, and when its timed sync starts, `backup`
//! (the throughput during the backup: `first_sync_within_backup` says whether that sync
//! ended before the backup did), and more runs follow until the backup ends, so it runs
//! under load throughout; one more run alone; then the server stops, the
//! backup is restored into a fresh data directory and a server started on it. Prints one
//! JSON object; removes its directories.

use std::io::BufRead as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context};
use serde_json::{json, Value};

use crate::demo_database;
use crate::{cargo, listening_url, region_data_dir, status, succeeded};

pub fn run(args: &[String]) -> anyhow::Result<()> {
    let (mut records, mut devices, mut per_device) =
        (1_000_000u64, "100".to_owned(), "100".to_owned());
    for (name, value) in crate::options(args)? {
        match name {
            "--records" => records = value.parse().context("--records")?,
            "--devices" => devices = value.clone(),
            "--per-device" => per_device = value.clone(),
            other => bail!("unknown option {other}"),
        }
    }
    status(cargo().args(["build", "--release", "-p", "jemput-server", "--bins"]))?;
    let release = crate::workspace_root().join("target/release");
    let server = release.join("jemput-server");
    let database = demo_database::ensure(&server, records)?;

    let scratch = std::env::temp_dir().join(format!("jemput-bench-backup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let result = measure(&release, &scratch, &database, &devices, &per_device);
    let _ = std::fs::remove_dir_all(&scratch);
    let mut report = result?;
    report["registrations"] = json!(records);
    println!("{report}");
    Ok(())
}

fn measure(
    release: &Path,
    scratch: &Path,
    database: &demo_database::DemoDatabase,
    devices: &str,
    per_device: &str,
) -> anyhow::Result<Value> {
    let server = release.join("jemput-server");
    let data_dir = scratch.join("data");
    database.copy_into(&data_dir)?;
    if let Some(regions) = region_data_dir() {
        succeeded(
            Command::new(&server)
                .args(["regions", "import"])
                .arg(&regions)
                .arg("--data-dir")
                .arg(&data_dir),
            "region import",
        )?;
    }
    let database_bytes = demo_database::dir_size(&data_dir);
    let backup = scratch.join("backup.sqlite3");

    let mut running = start_server(&server, &data_dir)?;
    let measured = (|| {
        let url = listening_url(&mut running)?;
        let loadgen_command = |seed: usize| {
            let mut command = Command::new(release.join("jemput-loadgen"));
            command
                .args(["--url", &url, "--admin-password", demo_database::PASSWORD])
                .args(["--devices", devices, "--records", per_device, "--skip-pull"])
                .args(["--seed", &seed.to_string()]);
            command
        };
        let loadgen = |seed: usize| -> anyhow::Result<Value> {
            let output = loadgen_command(seed)
                .output()
                .context("starting jemput-loadgen")?;
            crate::loadgen_report(&output, 0)
        };
        let before = loadgen(1_000)?;

        // The backup starts when a load generator's timed sync does (after its logins and
        // first pulls), which it says on stderr.
        let mut first = loadgen_command(1_001)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("starting jemput-loadgen")?;
        let stderr = first.stderr.take().context("the load generator's stderr")?;
        let (said, heard) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                if line.contains("timed sync starts") || line.contains("timed sync done") {
                    let _ = said.send(Instant::now());
                }
            }
        });
        heard
            .recv()
            .context("the load generator ended before its timed sync")?;
        let started = Instant::now();
        let backing_up = Command::new(&server)
            .arg("backup")
            .arg(&backup)
            .arg("--data-dir")
            .arg(&data_dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("starting jemput-server backup")?;
        // Its own thread notes when it ends, while load generator runs follow one another.
        let backing_up = std::thread::spawn(move || {
            let output = backing_up.wait_with_output();
            (output, Instant::now())
        });
        let first_output = first.wait_with_output()?;
        let first_sync_done = heard.recv().unwrap_or_else(|_| Instant::now());
        let mut during = vec![crate::loadgen_report(&first_output, 0)?];
        while !backing_up.is_finished() {
            during.push(loadgen(1_001 + during.len())?);
        }
        let (output, ended) = backing_up
            .join()
            .map_err(|_| anyhow::anyhow!("the backup's thread panicked"))?;
        let backup_seconds = ended.duration_since(started).as_secs_f64();
        let output = output?;
        if !output.status.success() {
            bail!("backup failed: {}", String::from_utf8_lossy(&output.stderr));
        }
        // The first run's whole timed sync lay within the backup.
        during[0]["ended_before_the_backup"] = json!(first_sync_done <= ended);
        let after = loadgen(2_000)?;
        Ok((before, during, after, backup_seconds, output.stdout))
    })();
    let _ = running.kill();
    let _ = running.wait();
    let (before, during, after, backup_seconds, backup_line) = measured?;

    let restored = scratch.join("restored");
    let started = Instant::now();
    let output = succeeded(
        Command::new(&server)
            .arg("restore")
            .arg(&backup)
            .arg("--data-dir")
            .arg(&restored),
        "restore",
    )?;
    let restore_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut running = start_server(&server, &restored)?;
    let listening = listening_url(&mut running);
    let start_seconds = started.elapsed().as_secs_f64();
    let _ = running.kill();
    let _ = running.wait();
    listening?;

    let rate = |report: &Value| report["records_per_sec"].as_f64().unwrap_or(0.0);
    let during_rates: Vec<f64> = during.iter().map(rate).collect();
    let first_within = during[0]["ended_before_the_backup"] == json!(true);
    let converged = [&before, &after]
        .into_iter()
        .chain(&during)
        .all(|report| report["converged"] == json!(true));
    Ok(json!({
        "database_bytes": database_bytes,
        "backup_bytes": std::fs::metadata(&backup)?.len(),
        "backup_seconds": round(backup_seconds),
        "backup_output": String::from_utf8_lossy(&backup_line).trim(),
        "sync_records_per_sec_before_backup": rate(&before),
        "sync_records_per_sec_during_backup": during_rates,
        "sync_records_per_sec_after_backup": rate(&after),
        "sync_runs_during_backup": during.len(),
        "first_sync_within_backup": first_within,
        "sync_converged": converged,
        "restore_seconds": round(restore_seconds),
        "restore_output": String::from_utf8_lossy(&output.stdout).trim(),
        "restored_server_listening_seconds": round(start_seconds),
    }))
}

fn start_server(server: &Path, data_dir: &Path) -> anyhow::Result<Child> {
    Command::new(server)
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .env("JEMPUT_ADMIN_PASSWORD", demo_database::PASSWORD)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .context("starting jemput-server")
}

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}
