//! `cargo xtask schema-fixture --rev REV`: the databases of release REV, for the upgrade
//! test (`server/tests/api/upgrade.rs`). Made with that release's own binaries, built
//! from a temporary git worktree into a target directory of their own: demo data on a
//! small region list, two phones syncing through its server, then what its API answers
//! about them, and a plain-SQL dump of each database (SQLite by the `sqlite3` program,
//! PostgreSQL by `pg_dump` on a throwaway cluster), gzipped, into
//! `server/tests/fixtures/schema/REV/` (its README explains each choice).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context};
use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::{json, Value};

use crate::http::{self, Body};
use crate::postgres::TempCluster;
use crate::{listening_url, region_data_dir, status, succeeded, workspace_root};

/// Every user's password in the fixtures (the tests' admin password too).
const PASSWORD: &str = "admin-password-for-tests";
/// The regencies kept from the region list: a small file, two supervisors' areas.
const REGENCIES: [&str; 2] = ["17.01", "17.71"];
/// Whose answers the expectations record.
const OFFICER: &str = "officer-1701-1";
const SUPERVISOR: &str = "supervisor-1701";

pub fn run(args: &[String]) -> anyhow::Result<()> {
    let rev = match args {
        [flag, rev] if flag == "--rev" => rev.clone(),
        _ => bail!("usage: cargo xtask schema-fixture --rev REV"),
    };
    let root = workspace_root();
    let work = root.join("target/schema-fixture");
    let tree = work.join(format!("tree-{rev}"));
    let _ = std::fs::remove_dir_all(work.join("data"));
    std::fs::create_dir_all(work.join("data"))?;
    status(
        Command::new("git")
            .current_dir(&root)
            .args(["worktree", "add", "--detach"])
            .arg(&tree)
            .arg(&rev),
    )?;
    let made = make(&root, &tree, &work, &rev);
    let removed = status(
        Command::new("git")
            .current_dir(&root)
            .args(["worktree", "remove", "--force"])
            .arg(&tree),
    );
    made.and(removed)
}

fn make(root: &Path, tree: &Path, work: &Path, rev: &str) -> anyhow::Result<()> {
    // Its own target directory: this checkout's binaries stay as they are.
    let target = work.join("target");
    status(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(tree)
            .args(["build", "-p", "jemput-server", "--bins"])
            .env("CARGO_TARGET_DIR", &target),
    )
    .context("building the release")?;
    let bin = target.join("debug");
    let data = work.join("data");
    let regions = small_region_list(&data.join("regions"))?;
    let out = root.join("server/tests/fixtures/schema").join(rev);
    std::fs::create_dir_all(&out)?;

    let sqlite_dir = data.join("sqlite");
    let db_args = ["--data-dir".to_owned(), sqlite_dir.display().to_string()];
    let expected = populate(&bin, &db_args, &regions)?;
    write_json(&out.join("sqlite.expected.json"), &expected)?;
    write_gzipped(&out.join("sqlite.sql.gz"), &sqlite_dump(&sqlite_dir)?)?;

    let cluster = TempCluster::start()?;
    let url = cluster.create_database("fixture")?;
    let db_args = ["--database".to_owned(), url.clone()];
    let expected = populate(&bin, &db_args, &regions)?;
    write_json(&out.join("postgres.expected.json"), &expected)?;
    write_gzipped(
        &out.join("postgres.sql.gz"),
        &postgres_dump(&cluster, &url)?,
    )?;

    println!(
        "wrote {}; add \"{rev}\" to RELEASES in server/tests/api/upgrade.rs",
        out.display()
    );
    Ok(())
}

/// [`REGENCIES`] of the region list, with their districts and villages.
fn small_region_list(dir: &Path) -> anyhow::Result<PathBuf> {
    let source = region_data_dir().context("no region list (set JEMPUT_REGIONS_DIR)")?;
    std::fs::create_dir_all(dir)?;
    // The column holding the regency's code, and the part of it that is the regency.
    for (file, column) in [
        ("regencies.csv", 0),
        ("districts.csv", 1),
        ("villages.csv", 1),
    ] {
        let text = std::fs::read_to_string(source.join(file))?;
        let mut lines = text.lines();
        let mut kept = vec![lines.next().context("a header")?];
        kept.extend(lines.filter(|line| {
            let code = line.split(',').nth(column).unwrap_or_default();
            REGENCIES.iter().any(|regency| code.starts_with(regency))
        }));
        std::fs::write(dir.join(file), kept.join("\n") + "\n")?;
    }
    Ok(dir.to_owned())
}

/// Demo data, then two phones syncing through the release's server; what its API
/// answers about the database (`Expected` in `upgrade.rs`).
fn populate(bin: &Path, db_args: &[String], regions: &Path) -> anyhow::Result<Value> {
    let server = bin.join("jemput-server");
    succeeded(
        Command::new(&server)
            .args(db_args)
            .args([
                "demo",
                "--records",
                "60",
                "--seed",
                "7",
                "--password",
                PASSWORD,
            ])
            .arg("--regions")
            .arg(regions),
        "the release's demo",
    )?;
    let mut serving = Command::new(&server)
        .args(db_args)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .context("starting the release's server")?;
    let answered = listening_url(&mut serving).and_then(|url| {
        succeeded(
            Command::new(bin.join("jemput-loadgen"))
                .args([
                    "--url",
                    &url,
                    "--devices",
                    "2",
                    "--records",
                    "10",
                    "--seed",
                    "3",
                ])
                .env("JEMPUT_ADMIN_PASSWORD", PASSWORD),
            "the release's load generator",
        )?;
        expectations(&url)
    });
    status(Command::new("kill").args(["-TERM", &serving.id().to_string()]))?;
    serving.wait()?;
    answered
}

fn expectations(url: &str) -> anyhow::Result<Value> {
    let admin = login(url, "admin")?;
    let stats = get(url, "/api/admin/stats", &admin)?;
    let users = get(url, "/api/admin/users", &admin)?;
    let officer_id = users["users"]
        .as_array()
        .context("users")?
        .iter()
        .find(|user| user["username"] == OFFICER)
        .context("the officer")?["id"]
        .clone();
    let table = get(url, "/api/registrations?per_page=100", &admin)?;
    let own: Vec<&Value> = table["rows"]
        .as_array()
        .context("rows")?
        .iter()
        .filter(|row| row["registered_by"] == officer_id)
        .collect();
    let overview = get(url, "/api/overview", &login(url, SUPERVISOR)?)?;
    Ok(json!({
        "registrations": stats["registrations"],
        "users": users["users"].as_array().map(Vec::len),
        "password": PASSWORD,
        "officer": OFFICER,
        "officer_registrations": own.len(),
        "supervisor": SUPERVISOR,
        "supervisor_total": overview["total"],
        "supervisor_by_status": overview["by_status"],
        "row": own.first().context("the officer's registrations")?,
    }))
}

fn login(url: &str, username: &str) -> anyhow::Result<String> {
    http::login(url, username, PASSWORD, "fixture")
}

fn get(url: &str, path: &str, token: &str) -> anyhow::Result<Value> {
    let answer = http::request(url, "GET", path, Some(token), None, Body::Keep)?;
    if answer.status != 200 {
        bail!("GET {path}: {} {}", answer.status, answer.snippet());
    }
    answer.json()
}

/// `sqlite3 .dump` without the planner statistics, with the schema version it omits.
fn sqlite_dump(data_dir: &Path) -> anyhow::Result<String> {
    let file = data_dir.join("jemput.sqlite3");
    let sqlite3 = |arg: &str| {
        succeeded(
            Command::new("sqlite3").arg(&file).arg(arg),
            "sqlite3 (Debian's sqlite3 package)",
        )
        .map(|output| String::from_utf8_lossy(&output.stdout).into_owned())
    };
    let dump = sqlite3(".dump")?;
    let version = sqlite3("PRAGMA user_version")?;
    let mut sql: String = dump
        .lines()
        .filter(|line| {
            !line.starts_with("INSERT INTO sqlite_stat")
                && !line.starts_with("ANALYZE sqlite_schema")
        })
        .flat_map(|line| [line, "\n"])
        .collect();
    sql.push_str(&format!("PRAGMA user_version = {};\n", version.trim()));
    Ok(sql)
}

/// `pg_dump` as plain statements (no `COPY … FROM stdin`, no psql meta-commands).
fn postgres_dump(cluster: &TempCluster, url: &str) -> anyhow::Result<String> {
    let output = succeeded(
        cluster.command("pg_dump").args([
            "--no-owner",
            "--no-privileges",
            "--rows-per-insert=100",
            url,
        ]),
        "pg_dump",
    )?;
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| !line.starts_with('\\'))
        .flat_map(|line| [line, "\n"])
        .collect())
}

fn write_gzipped(path: &Path, sql: &str) -> anyhow::Result<()> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    gz.write_all(sql.as_bytes())?;
    std::fs::write(path, gz.finish()?).with_context(|| format!("writing {}", path.display()))
}

fn write_json(path: &Path, value: &Value) -> anyhow::Result<()> {
    std::fs::write(path, serde_json::to_string_pretty(value)? + "\n")
        .with_context(|| format!("writing {}", path.display()))
}
