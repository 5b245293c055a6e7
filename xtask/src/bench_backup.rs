//! `cargo xtask bench-backup [--records N] [--devices K] [--per-device M]`: how long
//! `jemput-server backup` takes on a database of N registrations (the cached demo
//! database, `demo_database.rs`; default a million) while phones sync, how big the backup
//! is, what the backup costs the sync, and how long `restore` and the restored server's
//! start take.
//!
//! On a copy of the demo database, with the region list imported, a release server runs.
//! First one `jemput-loadgen --devices K --records M --skip-pull` alone (the sync's
//! throughput without a backup); then `backup` starts and load generator runs follow one
//! another until it ends (the throughput during the backup); then the server stops, the
//! backup is restored into a fresh data directory and a server started on it. Prints one
//! JSON object; removes its directories.

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
        let loadgen = |seed: usize| -> anyhow::Result<Value> {
            let output = Command::new(release.join("jemput-loadgen"))
                .args(["--url", &url, "--admin-password", demo_database::PASSWORD])
                .args(["--devices", devices, "--records", per_device, "--skip-pull"])
                .args(["--seed", &seed.to_string()])
                .output()
                .context("starting jemput-loadgen")?;
            crate::loadgen_report(&output, 0)
        };
        let alone = loadgen(1_000)?;

        let started = Instant::now();
        let mut backing_up = Command::new(&server)
            .arg("backup")
            .arg(&backup)
            .arg("--data-dir")
            .arg(&data_dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("starting jemput-server backup")?;
        let mut during = Vec::new();
        while backing_up.try_wait()?.is_none() {
            during.push(loadgen(1_001 + during.len())?);
        }
        let output = backing_up.wait_with_output()?;
        let backup_seconds = started.elapsed().as_secs_f64();
        if !output.status.success() {
            bail!("backup failed: {}", String::from_utf8_lossy(&output.stderr));
        }
        Ok((alone, during, backup_seconds, output.stdout))
    })();
    let _ = running.kill();
    let _ = running.wait();
    let (alone, during, backup_seconds, backup_line) = measured?;

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
    let converged = std::iter::once(&alone)
        .chain(&during)
        .all(|report| report["converged"] == json!(true));
    Ok(json!({
        "database_bytes": database_bytes,
        "backup_bytes": std::fs::metadata(&backup)?.len(),
        "backup_seconds": round(backup_seconds),
        "backup_output": String::from_utf8_lossy(&backup_line).trim(),
        "sync_records_per_sec_alone": rate(&alone),
        "sync_records_per_sec_during_backup": during_rates,
        "sync_runs_during_backup": during.len(),
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
