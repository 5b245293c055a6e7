//! `cargo xtask bench-supervisor [--records N] [--runs R] [--samples K]`: the supervisor
//! views at scale (issue 4's goals), measured against a release server on a demo database.
//!
//! 1. Builds the release server and generates a demo SQLite database of N records
//!    (`jemput-server demo`), or reuses the one in `target/demo-databases/` made for the
//!    same record count, migrations and demo generator (see `demo_database.rs`; the
//!    generation time is kept beside it).
//! 2. Per run: starts `jemput-server serve` on it, signs in as `admin` and
//!    `supervisor-1701`, times each query K times (the run's figure is the median) and
//!    each export once, with the server's peak RSS during the export (VmHWM, reset
//!    before it through `/proc/PID/clear_refs`), then stops the server.
//! 3. Prints every run's JSON, the median of the runs as JSON, and a markdown table
//!    with the goals.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context};
use serde_json::{json, Map, Value};

use crate::demo_database::{self, PASSWORD};
use crate::http::{self, Body};
use crate::{listening_url, peak_rss_kb};

const SUPERVISOR: &str = "supervisor-1701";
const REGENCY: &str = "17.01";

/// One figure of the table: JSON key, what it is, the goal (if the issue sets one).
const FIGURES: &[(&str, &str, &str)] = &[
    (
        "overview_admin_ms",
        "`GET /api/overview` (admin)",
        "≤ 200 ms",
    ),
    (
        "overview_supervisor_ms",
        "`GET /api/overview` (supervisor of 17.01)",
        "≤ 200 ms",
    ),
    (
        "duplicates_admin_ms",
        "duplicates queue `GET /api/duplicates` (admin)",
        "≤ 200 ms",
    ),
    (
        "duplicates_supervisor_ms",
        "duplicates queue `GET /api/duplicates` (supervisor of 17.01)",
        "≤ 200 ms",
    ),
    (
        "table_page_1_ms",
        "table `?regency=17.01&status=submitted&page=1` (supervisor)",
        "≤ 100 ms",
    ),
    (
        "table_page_100_ms",
        "same filter, `page=100` (supervisor)",
        "≤ 100 ms",
    ),
    (
        "table_stage_ms",
        "table `?stage=qualified` (outcome filter, admin)",
        "≤ 100 ms",
    ),
    (
        "table_step_ms",
        "table `?regency=17.01&step=certified` (supervisor)",
        "≤ 100 ms",
    ),
    (
        "search_nik_ms",
        "search by full NIK `?q=<16 digits>` (admin)",
        "≤ 50 ms",
    ),
    (
        "search_nik_prefix_ms",
        "search by NIK prefix `?q=<6 digits>` (admin)",
        "≤ 50 ms",
    ),
    ("search_name_ms", "search by name `?q=<word>` (admin)", ""),
    ("export_csv_s", "CSV export, all rows (admin)", "≤ 60 s"),
    ("export_csv_mb", "CSV export size", ""),
    ("export_csv_rows", "CSV export rows", ""),
    (
        "export_csv_peak_rss_mb",
        "server peak RSS during the CSV export",
        "≤ 250 MB",
    ),
    ("export_xlsx_s", "XLSX export, all rows (admin)", ""),
    ("export_xlsx_mb", "XLSX export size", ""),
    (
        "export_xlsx_peak_rss_mb",
        "server peak RSS during the XLSX export",
        "",
    ),
];

pub fn run(args: &[String]) -> anyhow::Result<()> {
    let (mut records, mut runs, mut samples) = (1_000_000u64, 3usize, 5usize);
    for (name, value) in crate::options(args)? {
        match name {
            "--records" => records = value.parse().context("--records")?,
            "--runs" => runs = value.parse().context("--runs")?,
            "--samples" => samples = value.parse().context("--samples")?,
            other => bail!("unknown option {other}"),
        }
    }
    if records == 0 || runs == 0 || samples == 0 {
        bail!("--records, --runs and --samples must be at least 1");
    }
    let server = crate::release_server()?;
    let database = demo_database::ensure(&server, records)?;
    let (data_dir, generation) = (database.data_dir, database.generation);
    println!("generation: {generation}");

    let mut reports = Vec::new();
    for run in 0..runs {
        let mut report =
            measure(&server, &data_dir, samples).with_context(|| format!("run {}", run + 1))?;
        report["run"] = json!(run + 1);
        println!("{report}");
        reports.push(report);
    }
    let mut summary = median(&reports);
    summary.insert("records".into(), json!(records));
    summary.insert("runs".into(), json!(runs));
    summary.insert("samples".into(), json!(samples));
    summary.insert("generation".into(), generation);
    let summary = Value::Object(summary);
    println!("median: {summary}");
    println!();
    println!("{}", markdown(&summary));
    Ok(())
}

/// Stops the server when the run ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One run: a fresh server process on the database, every figure measured.
fn measure(server: &Path, data_dir: &Path, samples: usize) -> anyhow::Result<Value> {
    let mut child = Command::new(server)
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()?;
    let url = listening_url(&mut child)?;
    let server = Server(child);
    let pid = server.0.id();
    let admin = login(&url, "admin")?;
    let supervisor = login(&url, SUPERVISOR)?;

    let mut figures = Figures {
        url: url.clone(),
        samples,
        report: Map::new(),
        errors: Vec::new(),
    };
    figures.time("overview_admin_ms", "/api/overview", &admin);
    figures.time("overview_supervisor_ms", "/api/overview", &supervisor);
    figures.time("duplicates_admin_ms", "/api/duplicates", &admin);
    figures.time("duplicates_supervisor_ms", "/api/duplicates", &supervisor);
    let filter = format!("/api/registrations?regency={REGENCY}&status=submitted");
    figures.time("table_page_1_ms", &format!("{filter}&page=1"), &supervisor);
    figures.time(
        "table_page_100_ms",
        &format!("{filter}&page=100"),
        &supervisor,
    );
    figures.time(
        "table_stage_ms",
        "/api/registrations?stage=qualified",
        &admin,
    );
    figures.time(
        "table_step_ms",
        &format!("/api/registrations?regency={REGENCY}&step=certified"),
        &supervisor,
    );
    match sample_person(&url, &admin) {
        Ok((nik, word)) => {
            figures.time(
                "search_nik_ms",
                &format!("/api/registrations?q={nik}"),
                &admin,
            );
            let prefix = &nik[..6.min(nik.len())];
            let path = format!("/api/registrations?q={prefix}");
            figures.time("search_nik_prefix_ms", &path, &admin);
            let path = format!("/api/registrations?q={}", query_escape(&word));
            figures.time("search_name_ms", &path, &admin);
        }
        Err(error) => figures.errors.push(format!("searches: {error:#}")),
    }
    for (kind, path) in [
        ("csv", "/api/registrations/export.csv"),
        ("xlsx", "/api/registrations/export.xlsx"),
    ] {
        match export(&url, path, &admin, pid) {
            Ok(export) => {
                let report = &mut figures.report;
                report.insert(format!("export_{kind}_s"), json!(round(export.seconds, 2)));
                report.insert(format!("export_{kind}_mb"), json!(round(export.mb, 1)));
                report.insert(
                    format!("export_{kind}_peak_rss_mb"),
                    json!(round(export.peak_rss_mb, 1)),
                );
                if kind == "csv" {
                    // Newlines less the header row (no CSV field here holds a newline).
                    let rows = export.newlines.saturating_sub(1);
                    report.insert("export_csv_rows".into(), json!(rows));
                }
            }
            Err(error) => figures.errors.push(format!("export {kind}: {error:#}")),
        }
    }
    let Figures {
        mut report, errors, ..
    } = figures;
    report.insert(
        "server_peak_rss_mb".into(),
        json!(round(peak_rss_kb(pid) as f64 / 1024.0, 1)),
    );
    report.insert("errors".into(), json!(errors));
    Ok(Value::Object(report))
}

/// One run's figures so far, and what failed (a failed figure is `null`, the rest goes on).
struct Figures {
    url: String,
    samples: usize,
    report: Map<String, Value>,
    errors: Vec<String>,
}

impl Figures {
    /// The median of `samples` timings of `GET path`.
    fn time(&mut self, key: &str, path: &str, token: &str) {
        match median_ms(&self.url, path, token, self.samples) {
            Ok(ms) => {
                self.report.insert(key.into(), json!(ms));
            }
            Err(error) => {
                self.report.insert(key.into(), Value::Null);
                self.errors.push(format!("{key}: {error:#}"));
            }
        }
    }
}

fn login(url: &str, username: &str) -> anyhow::Result<String> {
    http::login(url, username, PASSWORD, "bench")
}

/// A GET that must answer 200, timed to the body's last byte, in milliseconds.
fn timed_get(url: &str, path: &str, token: &str) -> anyhow::Result<f64> {
    let started = Instant::now();
    let response = http::request(url, "GET", path, Some(token), None, Body::Keep)?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if response.status != 200 {
        bail!("GET {path}: {} {}", response.status, response.snippet());
    }
    Ok(ms)
}

fn median_ms(url: &str, path: &str, token: &str, samples: usize) -> anyhow::Result<f64> {
    let mut times = (0..samples)
        .map(|_| timed_get(url, path, token))
        .collect::<anyhow::Result<Vec<f64>>>()?;
    times.sort_by(f64::total_cmp);
    Ok(round(times[times.len() / 2], 1))
}

/// A NIK and a word of a name that exist, from the newest registration.
fn sample_person(url: &str, token: &str) -> anyhow::Result<(String, String)> {
    let path = "/api/registrations?per_page=1";
    let response = http::request(url, "GET", path, Some(token), None, Body::Keep)?;
    if response.status != 200 {
        bail!("GET {path}: {} {}", response.status, response.snippet());
    }
    let json = response.json()?;
    let row = &json["rows"][0];
    let nik = row["nik"].as_str().context("no NIK in the first row")?;
    let name = row["full_name"]
        .as_str()
        .context("no name in the first row")?;
    let word = name.split_whitespace().next().unwrap_or(name);
    Ok((nik.to_owned(), word.to_owned()))
}

struct Export {
    seconds: f64,
    mb: f64,
    newlines: u64,
    peak_rss_mb: f64,
}

fn export(url: &str, path: &str, token: &str, pid: u32) -> anyhow::Result<Export> {
    // Writing 5 resets the peak RSS (VmHWM) to the current RSS (Linux ≥ 4.0).
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5")
        .context("resetting the server's peak RSS")?;
    let started = Instant::now();
    let response = http::request(url, "GET", path, Some(token), None, Body::Count)?;
    let seconds = started.elapsed().as_secs_f64();
    let peak_kb = peak_rss_kb(pid);
    if response.status != 200 {
        bail!("GET {path}: {}", response.status);
    }
    Ok(Export {
        seconds,
        mb: response.bytes as f64 / 1e6,
        newlines: response.newlines,
        peak_rss_mb: peak_kb as f64 / 1024.0,
    })
}

/// Percent-encodes what a name word could hold beyond letters.
fn query_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}

/// The median over runs of every numeric figure; `null` where no run measured it.
fn median(reports: &[Value]) -> Map<String, Value> {
    let mut summary = Map::new();
    for (key, _, _) in FIGURES
        .iter()
        .copied()
        .chain([("server_peak_rss_mb", "", "")])
    {
        let mut values: Vec<f64> = reports.iter().filter_map(|r| r[key].as_f64()).collect();
        values.sort_by(f64::total_cmp);
        let median = values
            .get(values.len() / 2)
            .map_or(Value::Null, |v| json!(v));
        summary.insert(key.into(), median);
    }
    let mut errors: Vec<Value> = Vec::new();
    for error in reports
        .iter()
        .flat_map(|r| r["errors"].as_array().cloned().unwrap_or_default())
    {
        if !errors.contains(&error) {
            errors.push(error);
        }
    }
    summary.insert("errors".into(), Value::Array(errors));
    summary
}

fn markdown(summary: &Value) -> String {
    let mut table = String::from("| figure | median | goal |\n| --- | ---: | --- |\n");
    for (key, label, goal) in FIGURES {
        let unit = match key.rsplit('_').next().unwrap_or("") {
            "ms" => " ms",
            "s" => " s",
            "mb" => " MB",
            _ => "",
        };
        let value = match &summary[*key] {
            Value::Null => "—".to_owned(),
            value => format!("{value}{unit}"),
        };
        table.push_str(&format!("| {label} | {value} | {goal} |\n"));
    }
    table
}
