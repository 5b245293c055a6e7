//! A PostgreSQL primary with a synchronous streaming replica and automatic failover, run
//! by pg_auto_failover (Debian's `postgresql-NN-auto-failover`) in a temporary directory
//! on free ports: a monitor and two nodes, as `docs/failover.md` sets them up on three
//! machines. The failover test ([`crate::failover`]) kills a node's whole process group
//! with SIGKILL, waits for the monitor to promote the other, and brings the killed one
//! back as the new secondary.
//!
//! The monitor's health checks are shortened (see [`MONITOR_SETTINGS`]) so a failover
//! takes seconds, not the default's minute: safe here because the killed node's keeper is
//! dead too, not merely cut off (see docs/failover.md on `primary_demote_timeout`).
//!
//! As root, everything runs as the `postgres` user (`initdb` refuses root), in a
//! directory owned by it. Dropping the cluster stops every process it started (SIGTERM,
//! then SIGKILL) and deletes the directory — on a failing test too.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use std::os::unix::process::CommandExt;

/// The monitor's settings for a failover in seconds (defaults in brackets): a health
/// check every second (5 s), a node unhealthy after 4 s without reports and failed checks
/// (20 s), the promotion waiting 4 s for the old primary to demote itself (30 s).
const MONITOR_SETTINGS: &[(&str, u32)] = &[
    ("pgautofailover.health_check_period", 1_000),
    ("pgautofailover.health_check_timeout", 2_000),
    ("pgautofailover.health_check_max_retries", 1),
    ("pgautofailover.health_check_retry_delay", 500),
    ("pgautofailover.node_considered_unhealthy_timeout", 4_000),
    ("pgautofailover.primary_demote_timeout", 4_000),
];

/// Where Debian's `pg-auto-failover-cli` puts the command (one for every version).
const PG_AUTOCTL: &str = "/usr/bin/pg_autoctl";

/// How long setting up, a failover or a rejoin may take before the test gives up (a
/// rejoin once took 65 s on a busy 2-core machine; usually 10–15 s).
const PATIENCE: Duration = Duration::from_secs(180);

/// A node's state as the monitor reports it (`pgautofailover.node`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeState {
    pub name: String,
    pub port: u16,
    pub reported: String,
    pub goal: String,
}

impl NodeState {
    /// Settled in `state`: reported it and assigned nothing else.
    fn is(&self, state: &str) -> bool {
        self.reported == state && self.goal == state
    }
}

struct Node {
    name: String,
    port: u16,
    pgdata: PathBuf,
    /// The node's `pg_autoctl` (keeper and its postgres), in a process group of its own.
    process: Option<Child>,
}

pub struct FailoverCluster {
    dir: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
    monitor_port: u16,
    monitor: Option<Child>,
    nodes: Vec<Node>,
}

impl FailoverCluster {
    /// Starts the monitor and two nodes and waits until the first is the primary and the
    /// second its synchronous secondary.
    pub async fn start() -> FailoverCluster {
        let bin = pg_autoctl_binaries().expect(
            "pg_auto_failover is not installed (Debian: pg-auto-failover-cli and \
             postgresql-15-auto-failover; `cargo xtask test` installs them)",
        );
        let as_postgres = is_root();
        let dir = std::env::temp_dir().join(format!("jemput-failover-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("the cluster's directory");
        if as_postgres {
            let chown = Command::new("chown")
                .arg("postgres:")
                .arg(&dir)
                .status()
                .expect("chown");
            assert!(chown.success(), "chown postgres: {}", dir.display());
        }
        let mut cluster = FailoverCluster {
            monitor_port: free_port(),
            nodes: ["node1", "node2"]
                .into_iter()
                .map(|name| Node {
                    name: name.to_owned(),
                    port: free_port(),
                    pgdata: dir.join(name),
                    process: None,
                })
                .collect(),
            dir,
            bin,
            as_postgres,
            monitor: None,
        };
        let pgctl = cluster.bin.join("pg_ctl");
        let mut create = cluster.pg_autoctl();
        create
            .args(["create", "monitor", "--pgctl"])
            .arg(&pgctl)
            .arg("--pgdata")
            .arg(cluster.dir.join("monitor"))
            .args(["--pgport", &cluster.monitor_port.to_string()])
            .args(["--hostname", "127.0.0.1", "--auth", "trust", "--no-ssl"]);
        cluster.run_logged(create, "monitor-create");
        let mut run = cluster.pg_autoctl();
        run.args(["run", "--pgdata"])
            .arg(cluster.dir.join("monitor"));
        cluster.monitor = Some(cluster.spawn_logged(run, "monitor"));
        cluster.configure_monitor().await;

        for index in 0..cluster.nodes.len() {
            cluster.create_node(index);
            let name = cluster.nodes[index].name.clone();
            let settled = if index == 0 { "single" } else { "secondary" };
            cluster
                .wait_for(&format!("{name} {settled}"), |nodes| {
                    nodes.iter().any(|n| n.name == name && n.is(settled))
                })
                .await;
        }
        cluster
            .wait_for("node1 primary, node2 secondary", |nodes| {
                nodes.iter().any(|n| n.name == "node1" && n.is("primary"))
                    && nodes.iter().any(|n| n.name == "node2" && n.is("secondary"))
            })
            .await;
        cluster
    }

    /// The admin URL naming both nodes: whichever accepts writes (`target_session_attrs`)
    /// answers, as Jemput's servers connect in docs/failover.md.
    pub fn admin_url(&self) -> String {
        let hosts: Vec<String> = self
            .nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        format!(
            "postgres://postgres@{}/postgres?target_session_attrs=read-write&connect_timeout=5\
             &keepalives_idle=10&keepalives_interval=5&keepalives_retries=3&tcp_user_timeout=10",
            hosts.join(",")
        )
    }

    /// Every node's state, as the monitor sees it now.
    pub async fn states(&self) -> Vec<NodeState> {
        let monitor = self.monitor_client().await;
        monitor
            .query(
                "SELECT nodename, nodeport, reportedstate::text, goalstate::text \
                 FROM pgautofailover.node ORDER BY nodeid",
                &[],
            )
            .await
            .expect("reading the monitor's node states")
            .iter()
            .map(|row| NodeState {
                name: row.get(0),
                port: u16::try_from(row.get::<_, i32>(1)).expect("a port"),
                reported: row.get(2),
                goal: row.get(3),
            })
            .collect()
    }

    /// The index of the node the monitor holds as primary (settled or not yet joined by
    /// a secondary: `wait_primary`).
    pub async fn primary(&self) -> usize {
        let states = self.states().await;
        let primary = states
            .iter()
            .find(|n| n.is("primary") || n.is("wait_primary"))
            .unwrap_or_else(|| panic!("no primary: {states:?}"));
        self.index_of(&primary.name)
    }

    /// Setting `name` on node `node` (`SHOW name`).
    pub async fn setting(&self, node: usize, name: &str) -> String {
        let client = connect(&format!(
            "postgres://postgres@127.0.0.1:{}/postgres",
            self.nodes[node].port
        ))
        .await
        .expect("connecting to the node");
        client
            .query_one(&format!("SHOW {name}"), &[])
            .await
            .unwrap_or_else(|e| panic!("SHOW {name}: {e}"))
            .get(0)
    }

    /// Kills node `node` as a lost machine would go: SIGKILL to its whole process group
    /// (keeper, postgres and every backend), nothing flushed or shut down.
    pub fn kill(&mut self, node: usize) {
        let process = self.nodes[node].process.take().expect("the node runs");
        kill_group(process, libc::SIGKILL);
    }

    /// Waits until the monitor has promoted `node` (it writes; with no secondary left it
    /// is `wait_primary`, without synchronous replication).
    pub async fn wait_promoted(&self, node: usize) {
        let name = self.nodes[node].name.clone();
        self.wait_for(&format!("{name} promoted"), |nodes| {
            nodes
                .iter()
                .any(|n| n.name == name && (n.is("wait_primary") || n.is("primary")))
        })
        .await;
    }

    /// Starts the killed node's keeper again (`pg_autoctl run`, as docs/failover.md tells
    /// an operator): it rewinds to the new primary's timeline and follows it. Waits until
    /// it is the secondary again and the other node the primary.
    pub async fn rejoin(&mut self, node: usize) {
        let mut run = self.pg_autoctl();
        run.args(["run", "--pgdata"]).arg(&self.nodes[node].pgdata);
        let name = self.nodes[node].name.clone();
        self.nodes[node].process = Some(self.spawn_logged(run, &format!("{name}-rejoin")));
        self.wait_for(&format!("{name} secondary again"), |nodes| {
            nodes.iter().any(|n| n.name == name && n.is("secondary"))
                && nodes.iter().any(|n| n.name != name && n.is("primary"))
        })
        .await;
    }

    fn index_of(&self, name: &str) -> usize {
        self.nodes
            .iter()
            .position(|n| n.name == name)
            .unwrap_or_else(|| panic!("unknown node {name}"))
    }

    fn create_node(&mut self, index: usize) {
        let monitor = format!(
            "postgres://autoctl_node@127.0.0.1:{}/pg_auto_failover?sslmode=disable",
            self.monitor_port
        );
        let node = &self.nodes[index];
        let mut create = self.pg_autoctl();
        create
            .args(["create", "postgres", "--pgctl"])
            .arg(self.bin.join("pg_ctl"))
            .arg("--pgdata")
            .arg(&node.pgdata)
            .args(["--pgport", &node.port.to_string()])
            .args(["--name", &node.name, "--hostname", "127.0.0.1"])
            .args(["--listen", "127.0.0.1", "--monitor", &monitor])
            .args(["--auth", "trust", "--no-ssl", "--run"]);
        let name = node.name.clone();
        self.nodes[index].process = Some(self.spawn_logged(create, &name));
    }

    async fn configure_monitor(&self) {
        let started = Instant::now();
        let monitor = loop {
            match connect(&self.monitor_url()).await {
                Ok(client) => break client,
                Err(error) => {
                    assert!(
                        started.elapsed() < PATIENCE,
                        "the monitor does not answer: {error}\n{}",
                        self.logs()
                    );
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        };
        for (name, value) in MONITOR_SETTINGS {
            monitor
                .batch_execute(&format!("ALTER SYSTEM SET {name} = {value}"))
                .await
                .unwrap_or_else(|e| panic!("setting {name}: {e}"));
        }
        monitor
            .batch_execute("SELECT pg_reload_conf()")
            .await
            .expect("reloading the monitor's settings");
    }

    fn monitor_url(&self) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/pg_auto_failover",
            self.monitor_port
        )
    }

    async fn monitor_client(&self) -> tokio_postgres::Client {
        connect(&self.monitor_url())
            .await
            .unwrap_or_else(|e| panic!("connecting to the monitor: {e}\n{}", self.logs()))
    }

    /// Polls the monitor until `settled` holds of the nodes' states.
    async fn wait_for(&self, what: &str, settled: impl Fn(&[NodeState]) -> bool) {
        let started = Instant::now();
        loop {
            let states = self.states().await;
            if settled(&states) {
                return;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "waited {PATIENCE:?} for {what}; the monitor reports {states:?}\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `pg_autoctl`, as the `postgres` user when we are root, with its configuration and
    /// state kept in the cluster's directory.
    fn pg_autoctl(&self) -> Command {
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--", "env"]);
            command
        } else {
            Command::new("env")
        };
        for (variable, folder) in [
            ("XDG_CONFIG_HOME", "config"),
            ("XDG_DATA_HOME", "share"),
            ("XDG_RUNTIME_DIR", "run"),
        ] {
            command.arg(format!("{variable}={}", self.dir.join(folder).display()));
        }
        command.arg(PG_AUTOCTL);
        command.current_dir(&self.dir);
        command
    }

    fn log_file(&self, name: &str) -> std::fs::File {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(format!("{name}.log")))
            .expect("a log file")
    }

    fn run_logged(&self, mut command: Command, name: &str) {
        let log = self.log_file(name);
        let status = command
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the log"))
            .stderr(log)
            .status()
            .expect("pg_autoctl runs");
        assert!(
            status.success(),
            "pg_autoctl {name} failed\n{}",
            self.logs()
        );
    }

    /// Spawns a long-running `pg_autoctl` in a process group of its own, so a kill takes
    /// its postgres with it.
    fn spawn_logged(&self, mut command: Command, name: &str) -> Child {
        let log = self.log_file(name);
        command
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the log"))
            .stderr(log)
            .process_group(0)
            .spawn()
            .expect("pg_autoctl starts")
    }

    /// The last lines of every log, for a failing assertion's message.
    fn logs(&self) -> String {
        let mut all = String::new();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return all;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "log") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let lines: Vec<&str> = text.lines().collect();
                let tail = lines[lines.len().saturating_sub(15)..].join("\n");
                all.push_str(&format!("--- {}\n{tail}\n", path.display()));
            }
        }
        all
    }
}

impl Drop for FailoverCluster {
    fn drop(&mut self) {
        let processes = self
            .nodes
            .iter_mut()
            .filter_map(|n| n.process.take())
            .chain(self.monitor.take());
        for process in processes {
            kill_group(process, libc::SIGTERM);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Sends `signal` to `process`'s process group and waits for it (a SIGTERM'd one at most
/// 20 s, then SIGKILL), then for the rest of the group to be gone.
fn kill_group(mut process: Child, signal: i32) {
    let group = libc::pid_t::try_from(process.id()).expect("a pid");
    // SAFETY: kill(2) on a process group we created; no memory is involved.
    unsafe { libc::kill(-group, signal) };
    let started = Instant::now();
    while matches!(process.try_wait(), Ok(None)) {
        if started.elapsed() > Duration::from_secs(20) {
            // SAFETY: as above.
            unsafe { libc::kill(-group, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // The postmaster and its backends are in the group too; kill(pid, 0) fails once
    // none is left.
    // SAFETY: as above; signal 0 only checks.
    while started.elapsed() < Duration::from_secs(30) && unsafe { libc::kill(-group, 0) } == 0 {
        if started.elapsed() > Duration::from_secs(20) {
            // SAFETY: as above.
            unsafe { libc::kill(-group, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn connect(url: &str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

/// The newest `/usr/lib/postgresql/NN/bin` whose version has pg_auto_failover's
/// extension (the monitor needs it), when `pg_autoctl` is installed.
fn pg_autoctl_binaries() -> Option<PathBuf> {
    if !Path::new(PG_AUTOCTL).exists() {
        return None;
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(Path::new("/usr/lib/postgresql"))
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name();
            let version = name.to_str()?;
            let extension =
                format!("/usr/share/postgresql/{version}/extension/pgautofailover.control");
            let bin = entry.path().join("bin");
            (bin.join("pg_ctl").exists() && Path::new(&extension).exists())
                .then_some((version.parse().ok()?, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}
