//! Build chores for Jemput, in Rust: `cargo xtask run` sets up and starts the whole system,
//! `cargo xtask test` runs every test, `cargo xtask lint` the formatting and lint gate.
//! All work on a fresh clone: each installs what it needs first.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context};

mod apt;
mod baseline;
mod bench;
mod bench_backup;
mod bench_supervisor;
mod demo_database;
mod deploy_check;
mod dist;
mod e2e;
mod failover;
mod http;
mod lint;
mod machine;
mod postgres;
mod schema_fixture;
mod test_build;
mod web;
mod web_split;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(),
        Some("lint") => lint::run(),
        Some("bench") if args.iter().any(|a| a == "--postgres") => postgres::bench(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("build-app") => web::build_app(&args[1..]),
        Some("e2e") => e2e::run(),
        Some("bench-app") => e2e::bench(&args[1..]),
        Some("bench-supervisor") => bench_supervisor::run(&args[1..]),
        Some("bench-backup") => bench_backup::run(&args[1..]),
        Some("fuzz") => fuzz(&args[1..]),
        Some("schema-fixture") => schema_fixture::run(&args[1..]),
        Some("dist") => dist::run(&args[1..]).map(drop),
        Some("deploy-check") => deploy_check::run(),
        _ => {
            eprintln!(
                "usage: cargo xtask run [--addr HOST:PORT] [--data-dir DIR] [--demo N]\n       cargo xtask test\n       cargo xtask lint\n       cargo xtask build-app [--dev]\n       cargo xtask e2e\n       cargo xtask bench-app [--runs N]\n       cargo xtask bench [--devices K] [--records M] [--runs N] [--preload P] [--postgres [--instances I]]\n       cargo xtask bench-supervisor [--records N] [--runs R] [--samples K]\n       cargo xtask bench-backup [--records N] [--devices K] [--per-device M]\n       cargo xtask fuzz [--minutes M] [--seed S] [--debug]\n       cargo xtask schema-fixture --rev REV\n       cargo xtask dist\n       cargo xtask deploy-check"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_owned()
}

fn cargo() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(workspace_root());
    command
}

/// Runs `command` to its end with its output captured; an error naming `what`, with the
/// command's stderr, unless it succeeded.
fn succeeded(command: &mut Command, what: &str) -> anyhow::Result<std::process::Output> {
    let output = command
        .output()
        .with_context(|| format!("starting {command:?}"))?;
    if !output.status.success() {
        bail!("{what} failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(output)
}

/// The load generator's JSON report from its `output` (an error unless it succeeded), with
/// the server's peak memory added.
fn loadgen_report(
    output: &std::process::Output,
    peak_kb: u64,
) -> anyhow::Result<serde_json::Value> {
    if !output.status.success() {
        bail!(
            "loadgen failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let mut report: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    report["server_peak_rss_mb"] = serde_json::json!((peak_kb as f64 / 102.4).round() / 10.0);
    Ok(report)
}

/// Builds the release `jemput-server`; the binary's path.
fn release_server() -> anyhow::Result<PathBuf> {
    status(cargo().args([
        "build",
        "--release",
        "-p",
        "jemput-server",
        "--bin",
        "jemput-server",
    ]))?;
    Ok(workspace_root().join("target/release/jemput-server"))
}

/// The `--name value` pairs of a command line, in order; an error for a name without a
/// value.
fn options<'a>(
    args: impl IntoIterator<Item = &'a String>,
) -> anyhow::Result<Vec<(&'a str, &'a String)>> {
    let mut rest = args.into_iter();
    let mut pairs = Vec::new();
    while let Some(arg) = rest.next() {
        let value = rest
            .next()
            .with_context(|| format!("{arg} needs a value"))?;
        pairs.push((arg.as_str(), value));
    }
    Ok(pairs)
}

fn status(command: &mut Command) -> anyhow::Result<()> {
    let status = command
        .status()
        .with_context(|| format!("starting {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed with {status}");
    }
    Ok(())
}

/// The Bengkulu region lists shipped beside the repository (see ../shared/data/regions),
/// or where `JEMPUT_REGIONS_DIR` says (a checkout elsewhere, such as a git worktree).
fn region_data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("JEMPUT_REGIONS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared/data/regions"));
    dir.join("regencies.csv").exists().then_some(dir)
}

fn run(args: &[String]) -> anyhow::Result<()> {
    let mut addr = "127.0.0.1:8080".to_owned();
    let mut data_dir = workspace_root().join("data");
    let mut demo = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--addr" => addr = rest.next().context("--addr needs a value")?.clone(),
            "--data-dir" => data_dir = rest.next().context("--data-dir needs a value")?.into(),
            "--demo" => {
                let records = rest.next().context("--demo needs a number of records")?;
                records
                    .parse::<u64>()
                    .ok()
                    .filter(|&n| n > 0)
                    .with_context(|| format!("--demo {records}: give a number of records"))?;
                demo = Some(records.clone());
            }
            other => bail!("unknown option {other}"),
        }
    }
    web::build(false)?;
    let server = release_server()?;
    if let Some(regions) = region_data_dir() {
        status(
            Command::new(&server)
                .arg("regions")
                .arg("import")
                .arg(&regions)
                .arg("--data-dir")
                .arg(&data_dir),
        )?;
    }
    if let Some(records) = demo {
        // Once: a database holding registrations already is left as it is.
        status(
            Command::new(&server)
                .args(["demo", "--records", &records, "--if-empty", "--data-dir"])
                .arg(&data_dir)
                .env("RUST_LOG", "warn"),
        )?;
    }
    println!(
        "Starting Jemput: open http://{addr} in a browser (data in {})",
        data_dir.display()
    );
    status(
        Command::new(&server)
            .args(["serve", "--addr", &addr])
            .arg("--data-dir")
            .arg(&data_dir)
            .arg("--web-dir")
            .arg(web::web_dir()),
    )
}

fn test() -> anyhow::Result<()> {
    // Linted as it is compiled (see test_build): after `cargo xtask lint`, nothing to build.
    status(&mut test_build::cargo_test()?)?;
    // Every later step runs executables of the build above (see test_build).
    let build = test_build::build()?;
    // A short fixed budget of the sync fuzz harness (same seed every time).
    run_fuzz_harness(&build.fuzz_harness, &["--inputs", "3000", "--seed", "1"])?;
    // The server's tests once more, on PostgreSQL.
    postgres::test_server_suite(&build.api_tests)?;
    // Losing the PostgreSQL primary: a pg_auto_failover cluster, two instances, SIGKILL.
    failover::test(&build.api_tests)?;
    // Builds the browser app too, so it must keep compiling for the browser.
    e2e::run_with(&build.server)?;
    // The operator's page, every command of it, on a throwaway systemd machine.
    deploy_check::run()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Profile {
    Debug,
    Release,
}

/// `cargo xtask fuzz --minutes M`: the sync fuzz harness (`jemput-fuzz-sync`, see its
/// module docs) for M minutes, on a release build unless `--debug`.
fn fuzz(args: &[String]) -> anyhow::Result<()> {
    let (mut minutes, mut seed, mut profile) = ("10".to_owned(), None, Profile::Release);
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--minutes" => minutes = rest.next().context("--minutes needs a value")?.clone(),
            "--seed" => seed = Some(rest.next().context("--seed needs a value")?.clone()),
            "--debug" => profile = Profile::Debug,
            other => bail!("unknown option {other}"),
        }
    }
    let seed = seed.unwrap_or_else(|| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        now.map_or(1, |d| d.as_secs()).to_string()
    });
    fuzz_sync(profile, &["--minutes", &minutes, "--seed", &seed])
}

/// Builds the harness as the benchmarks build the server (release) or as the tests do
/// (debug), so nothing is rebuilt for it, and runs it.
fn fuzz_sync(profile: Profile, args: &[&str]) -> anyhow::Result<()> {
    let harness = match profile {
        Profile::Release => {
            status(cargo().args(["build", "--release", "-p", "jemput-server", "--bins"]))?;
            workspace_root().join("target/release/jemput-fuzz-sync")
        }
        Profile::Debug => test_build::build()?.fuzz_harness,
    };
    run_fuzz_harness(&harness, args)
}

/// Runs the built harness, with the region lists when they are beside the repository.
fn run_fuzz_harness(harness: &Path, args: &[&str]) -> anyhow::Result<()> {
    let mut harness = Command::new(harness);
    harness.args(args);
    if let Some(regions) = region_data_dir() {
        harness.arg("--regions").arg(regions);
    }
    status(&mut harness)
}

/// Reads the "listening on" line from a starting server's stdout, then keeps draining it.
fn listening_url(server: &mut std::process::Child) -> anyhow::Result<String> {
    use std::io::BufRead;
    let stdout = server.stdout.take().context("server stdout")?;
    let mut lines = std::io::BufReader::new(stdout).lines();
    let url = loop {
        let line = lines.next().context("server exited before listening")??;
        if let Some(url) = line.split("listening on ").nth(1) {
            break url.trim().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Ok(url)
}

/// The process's peak resident memory (VmHWM), in kB.
fn peak_rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Prints the median of every numeric figure (booleans: true only if true in every run),
/// and returns it.
fn print_median(reports: &[serde_json::Value]) -> serde_json::Value {
    let mut median = serde_json::Map::new();
    if let Some(first) = reports.first().and_then(|r| r.as_object()) {
        for (key, value) in first {
            if value.is_number() {
                let mut values: Vec<f64> = reports.iter().filter_map(|r| r[key].as_f64()).collect();
                values.sort_by(f64::total_cmp);
                median.insert(key.clone(), serde_json::json!(values[values.len() / 2]));
            } else {
                let all_true = reports
                    .iter()
                    .all(|r| r[key] == serde_json::Value::Bool(true));
                median.insert(
                    key.clone(),
                    if value.is_boolean() {
                        serde_json::json!(all_true)
                    } else {
                        value.clone()
                    },
                );
            }
        }
    }
    let median = serde_json::Value::Object(median);
    println!("median: {median}");
    median
}
