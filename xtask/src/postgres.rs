//! A throwaway PostgreSQL server for `cargo xtask test` and `cargo xtask bench
//! --postgres`: finds the server binaries (installing Debian's `postgresql` package when
//! there are none), creates a cluster in a temporary directory on a free port, starts it,
//! and stops and deletes it when dropped — on failure too.
//!
//! `initdb` refuses to run as root, so as root everything runs as the `postgres` user the
//! package creates (`runuser -u postgres --`), in a directory owned by it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context};

use crate::{cargo, demo_database, status};

/// A running PostgreSQL cluster; stopped and deleted on drop.
pub struct TempCluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl TempCluster {
    pub fn start() -> anyhow::Result<TempCluster> {
        let bin = server_binaries()?;
        let as_postgres = is_root();
        let dir = std::env::temp_dir().join(format!("jemput-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        if as_postgres {
            status(Command::new("chown").arg("postgres:").arg(&dir))?;
        }
        let port = free_port()?;
        let mut cluster = TempCluster {
            bin,
            dir,
            port,
            as_postgres,
        };
        let data = cluster.dir.join("data");
        let log = cluster.dir.join("log");
        let quiet = |command: &mut Command| {
            command.stdout(Stdio::null());
        };
        let mut initdb = cluster.command("initdb");
        initdb.arg("-D").arg(&data).args([
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
        ]);
        quiet(&mut initdb);
        status(&mut initdb).context("initdb")?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=400",
            cluster.dir.display()
        );
        let mut start = cluster.command("pg_ctl");
        start
            .arg("-D")
            .arg(&data)
            .args(["-o", &options, "-l"])
            .arg(&log)
            .args(["-w", "start"]);
        quiet(&mut start);
        if let Err(error) = status(&mut start) {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            // Nothing to stop; only the directory to delete.
            cluster.port = 0;
            return Err(error.context(format!("starting PostgreSQL; its log:\n{log}")));
        }
        println!(
            "PostgreSQL running on port {port} (in {})",
            cluster.dir.display()
        );
        Ok(cluster)
    }

    /// The admin URL: database `postgres`, user `postgres`, no password (trust).
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Creates database `name` and returns its URL.
    pub fn create_database(&self, name: &str) -> anyhow::Result<String> {
        self.create_database_like(name, None)
    }

    /// Creates database `name`, a copy of database `template` when given (copying its
    /// files, not writing them through the WAL), and returns its URL.
    pub fn create_database_like(
        &self,
        name: &str,
        template: Option<&str>,
    ) -> anyhow::Result<String> {
        let mut createdb = self.command("createdb");
        createdb.args([
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-U",
            "postgres",
        ]);
        if let Some(template) = template {
            createdb.args(["--template", template, "--strategy", "file_copy"]);
        }
        createdb.arg(name);
        status(&mut createdb)?;
        Ok(format!(
            "postgres://postgres@127.0.0.1:{}/{name}",
            self.port
        ))
    }

    /// One of the cluster's binaries, run as the `postgres` user when we are root (in the
    /// cluster's directory, which that user may enter).
    pub fn command(&self, name: &str) -> Command {
        let program = self.bin.join(name);
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        };
        command.current_dir(&self.dir);
        command
    }
}

impl Drop for TempCluster {
    fn drop(&mut self) {
        if self.port != 0 {
            let _ = self
                .command("pg_ctl")
                .arg("-D")
                .arg(self.dir.join("data"))
                .args(["-m", "fast", "-w", "stop"])
                .stdout(Stdio::null())
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The server's integration tests once more, every one on PostgreSQL: the `api` test
/// binary (`server/tests/api/`, built by the SQLite run before it; see test_build), the
/// only tests that read `JEMPUT_TEST_DATABASE_URL`. Run from the server's directory, as
/// `cargo test` runs it.
pub fn test_server_suite(api_tests: &Path) -> anyhow::Result<()> {
    let cluster = TempCluster::start()?;
    println!("Running the server tests again on PostgreSQL");
    status(
        Command::new(api_tests)
            .current_dir(crate::workspace_root().join("server"))
            .env("JEMPUT_TEST_DATABASE_URL", cluster.admin_url()),
    )
}

/// The directory holding `initdb` and `pg_ctl`: the newest installed version, after
/// installing Debian's `postgresql` package if there is none.
pub fn server_binaries() -> anyhow::Result<PathBuf> {
    if let Some(bin) = newest_installed() {
        return Ok(bin);
    }
    crate::apt::install("A PostgreSQL server", &["postgresql"])?;
    newest_installed().context("postgresql installed, but no /usr/lib/postgresql/*/bin/initdb")
}

fn newest_installed() -> Option<PathBuf> {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").exists() && bin.join("pg_ctl").exists()).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// `cargo xtask bench --postgres [--instances N] [--devices K] [--records M] [--runs R]
/// [--preload P]`: like the SQLite bench, but every run gets a fresh database on a
/// temporary PostgreSQL cluster and `N` server instances share it (the load generator
/// spreads the devices over them round-robin). With `--preload P`, the demo's `P`
/// registrations are generated once into a database of the cluster (the cluster is
/// throwaway, so once per command, not kept as SQLite's are) and each run's database is
/// a file copy of it.
pub fn bench(args: &[String]) -> anyhow::Result<()> {
    let (mut devices, mut records, mut runs, mut instances) =
        ("100".to_owned(), "100".to_owned(), 3usize, 1usize);
    let mut preload = 0u64;
    for (name, value) in crate::options(args.iter().filter(|a| *a != "--postgres"))? {
        match name {
            "--devices" => devices = value.clone(),
            "--records" => records = value.clone(),
            "--runs" => runs = value.parse()?,
            "--instances" => instances = value.parse()?,
            "--preload" => preload = value.parse()?,
            other => bail!("unknown option {other}"),
        }
    }
    status(cargo().args(["build", "--release", "-p", "jemput-server", "--bins"]))?;
    let release = crate::workspace_root().join("target/release");
    let server = release.join("jemput-server");
    let cluster = TempCluster::start()?;
    let template = match preload {
        0 => None,
        records => {
            let name = "jemput_demo";
            let url = cluster.create_database(name)?;
            println!("Generating {records} demo registrations on PostgreSQL");
            let mut demo = demo_database::command(&server, records)?;
            demo.args(["--database", &url]);
            let generation = demo_database::generate(demo, records)?;
            println!(
                "Preload: generated {records} registrations in {} s ({}/s)",
                generation["seconds"], generation["records_per_second"]
            );
            Some(name)
        }
    };
    let mut reports = Vec::new();
    for run in 0..runs {
        let url = cluster.create_database_like(&format!("jemput_bench_{run}"), template)?;
        if let Some(regions) = crate::region_data_dir() {
            crate::succeeded(
                Command::new(&server)
                    .args(["--database", &url, "regions", "import"])
                    .arg(&regions),
                "region import",
            )?;
        }
        // The demo's admin has this password already; a new admin gets it.
        let password = demo_database::PASSWORD;
        let mut servers = Vec::new();
        let mut urls = Vec::new();
        for _ in 0..instances {
            let mut instance = Command::new(&server)
                .args(["--database", &url, "serve", "--addr", "127.0.0.1:0"])
                .env("JEMPUT_ADMIN_PASSWORD", password)
                .env("RUST_LOG", "warn")
                .stdout(Stdio::piped())
                .spawn()?;
            urls.push(crate::listening_url(&mut instance)?);
            servers.push(instance);
        }
        let mut loadgen = Command::new(release.join("jemput-loadgen"));
        loadgen
            .args(["--url", &urls.join(","), "--admin-password", password])
            .args(["--devices", &devices, "--records", &records])
            .args(["--seed", &run.to_string()]);
        if template.is_some() {
            // A whole preloaded province in one supervisor's memory does not fit.
            loadgen.arg("--supervisor-per-regency");
        }
        let output = loadgen.output()?;
        let peak_kb = servers
            .iter()
            .map(|s| crate::peak_rss_kb(s.id()))
            .max()
            .unwrap_or(0);
        for server in &mut servers {
            let _ = server.kill();
            let _ = server.wait();
        }
        let mut report = crate::loadgen_report(&output, peak_kb)?;
        report["preloaded_registrations"] = serde_json::json!(preload);
        println!("{report}");
        reports.push(report);
    }
    crate::print_median(&reports);
    Ok(())
}
