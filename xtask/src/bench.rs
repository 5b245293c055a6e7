//! `cargo xtask bench [--devices K] [--records M] [--runs N] [--preload P]`: the sync
//! benchmark on SQLite (`jemput-loadgen` against a fresh release server, N times), and
//! its regression guard.
//!
//! Each run gets a fresh data directory: with `--preload P` first a copy of the demo
//! database of P registrations (made once, see `demo_database.rs`), then the region list
//! (the demo imported the same one: importing again changes nothing), then a server
//! whose admin is the demo's (or a new one with the same password). The load
//! generator's officers and supervisor are named `lg<run>-…`, apart from the demo's
//! `admin`, `supervisor-<regency>` and `officer-<regency>-<n>`.
//!
//! Prints each run's JSON (with the server's peak RSS and `preloaded_registrations`),
//! the median of every figure, and the guard's comparison of the median with the
//! baseline in docs/benchmarks.md (`baseline.rs`); fails when a figure regressed.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context};
use serde_json::json;

use crate::baseline;
use crate::demo_database::{self, DemoDatabase};
use crate::{cargo, listening_url, peak_rss_kb, print_median, region_data_dir, status};

pub fn run(args: &[String]) -> anyhow::Result<()> {
    let (mut devices, mut records, mut runs) = ("100".to_owned(), "100".to_owned(), 3usize);
    let mut preload = 0u64;
    for (name, value) in crate::options(args)? {
        match name {
            "--devices" => devices = value.clone(),
            "--records" => records = value.clone(),
            "--runs" => runs = value.parse().context("--runs")?,
            "--preload" => preload = value.parse().context("--preload")?,
            other => bail!("unknown option {other}"),
        }
    }
    // Read before the runs: a broken baseline block should not cost a benchmark.
    let docs = crate::workspace_root().join("docs/benchmarks.md");
    let baselines = baseline::parse(&std::fs::read_to_string(&docs)?)
        .with_context(|| format!("the baseline in {}", docs.display()))?;

    status(cargo().args(["build", "--release", "-p", "jemput-server", "--bins"]))?;
    let release = crate::workspace_root().join("target/release");
    let server = release.join("jemput-server");
    let database = match preload {
        0 => None,
        records => {
            let database = demo_database::ensure(&server, records)?;
            let seconds = &database.generation["seconds"];
            if database.generated_now {
                println!("Preload: generated {records} registrations in {seconds} s");
            } else {
                println!("Preload: reused {records} registrations (generated in {seconds} s)");
            }
            Some(database)
        }
    };

    let mut reports = Vec::new();
    for run in 0..runs {
        let data_dir =
            std::env::temp_dir().join(format!("jemput-bench-{}-{run}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data_dir);
        let report = one_run(
            &release,
            &data_dir,
            database.as_ref(),
            run,
            &devices,
            &records,
        );
        let _ = std::fs::remove_dir_all(&data_dir);
        let mut report = report.with_context(|| format!("run {}", run + 1))?;
        report["preloaded_registrations"] = json!(preload);
        println!("{report}");
        reports.push(report);
    }
    let median = print_median(&reports);
    guard(&baselines, preload, &median)
}

/// One fresh server on `data_dir`, the load generator against it; its JSON report.
fn one_run(
    release: &Path,
    data_dir: &Path,
    database: Option<&DemoDatabase>,
    run: usize,
    devices: &str,
    records: &str,
) -> anyhow::Result<serde_json::Value> {
    let server = release.join("jemput-server");
    if let Some(database) = database {
        database.copy_into(data_dir)?;
    }
    if let Some(regions) = region_data_dir() {
        crate::succeeded(
            Command::new(&server)
                .arg("regions")
                .arg("import")
                .arg(&regions)
                .arg("--data-dir")
                .arg(data_dir),
            "region import",
        )?;
    }
    // The demo's admin has this password already; a new admin gets it.
    let password = demo_database::PASSWORD;
    let mut server = Command::new(&server)
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .env("JEMPUT_ADMIN_PASSWORD", password)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()?;
    let output = listening_url(&mut server).and_then(|url| {
        let mut loadgen = Command::new(release.join("jemput-loadgen"));
        loadgen
            .args(["--url", &url, "--admin-password", password])
            .args(["--devices", devices, "--records", records])
            .args(["--seed", &run.to_string()]);
        if database.is_some() {
            // A whole preloaded province in one supervisor's memory does not fit.
            loadgen.arg("--supervisor-per-regency");
        }
        loadgen.output().context("starting jemput-loadgen")
    });
    let peak_kb = peak_rss_kb(server.id());
    let _ = server.kill();
    let _ = server.wait();
    crate::loadgen_report(&output?, peak_kb)
}

/// Prints the median against the baseline for its preload size; an error when a figure
/// regressed.
fn guard(
    baselines: &[baseline::Baseline],
    preload: u64,
    median: &serde_json::Value,
) -> anyhow::Result<()> {
    let baseline = baselines
        .iter()
        .find(|b| b.preloaded_registrations == preload);
    println!();
    match baseline {
        Some(_) => println!(
            "Against the baseline in docs/benchmarks.md ({preload} registrations preloaded; \
             flagged: more than {} % worse):",
            baseline::THRESHOLD_PERCENT
        ),
        None => {
            println!("docs/benchmarks.md has no baseline for {preload} registrations preloaded:")
        }
    }
    let comparisons = baseline::compare(baseline, median);
    for comparison in &comparisons {
        println!("  {comparison}");
    }
    let regressed: Vec<&str> = comparisons
        .iter()
        .filter(|c| c.is_regression())
        .map(|c| c.figure.key)
        .collect();
    if !regressed.is_empty() {
        bail!(
            "{} worse than the baseline in docs/benchmarks.md by more than {} % (or no \
             longer true); a real regression, or noise: run again with --runs 3 on a quiet \
             machine",
            regressed.join(", "),
            baseline::THRESHOLD_PERCENT
        );
    }
    Ok(())
}
