//! A throwaway Debian machine with systemd, for running the deployment guide's commands
//! as an office's IT person would (`deploy_check.rs`): this machine's own root file
//! system as the read-only lower layer of an overlay whose writes go to a tmpfs, booted
//! by `systemd-nspawn` with its own network namespace. Whatever the commands install,
//! create or start lives in that tmpfs and is gone when the machine is dropped; the host
//! is not touched.
//!
//! Commands run inside through `nsenter` into the container's namespaces (systemd-nspawn
//! is started without registering with systemd-machined, which this host, whose PID 1 is
//! not systemd, does not have).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::{apt, status};

/// The PATH of commands run inside, as root's login shell has it on Debian.
const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// A booted container; powered off and its overlay removed on drop.
pub struct Machine {
    dir: PathBuf,
    nspawn: Option<Child>,
    /// The container's PID 1 (systemd), as the host sees it.
    leader: u32,
}

impl Machine {
    /// Boots a machine in which the units named in `masked` never start (services the
    /// host has installed but the commands do not need). Waits until systemd has
    /// finished starting up.
    pub fn boot(masked: &[&str]) -> anyhow::Result<Machine> {
        apt::ensure(
            "systemd-nspawn",
            &["/usr/bin/systemd-nspawn"],
            &["systemd-container"],
        )?;
        let dir = PathBuf::from(format!("/run/jemput-machine-{}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut machine = Machine {
            dir,
            nspawn: None,
            leader: 0,
        };
        machine.mount_overlay()?;
        for unit in masked {
            let link = machine.root().join("etc/systemd/system").join(unit);
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink("/dev/null", &link)
                .with_context(|| format!("masking {unit}"))?;
        }
        let log = std::fs::File::create(machine.dir.join("console.log"))?;
        let child = Command::new("systemd-nspawn")
            .arg("--quiet")
            .arg("--directory")
            .arg(machine.root())
            .args([
                "--machine=jemput-deploy",
                "--register=no",
                "--keep-unit",
                "--private-network",
                "--console=passive",
                "--boot",
            ])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("starting systemd-nspawn")?;
        let nspawn_pid = child.id();
        machine.nspawn = Some(child);
        machine.leader = machine.wait_for_leader(nspawn_pid)?;
        machine.wait_until_up()?;
        Ok(machine)
    }

    /// Waits until systemd says "running", or "degraded" when some unit of the host's
    /// own failed: either way it is up and takes commands. Until its bus is up it says
    /// nothing at all, so ask again.
    fn wait_until_up(&self) -> anyhow::Result<()> {
        let started = Instant::now();
        loop {
            let output = self.run("systemctl is-system-running --wait || true", None)?;
            let state = String::from_utf8_lossy(&output.stdout).trim().to_owned();
            if state == "running" || state == "degraded" {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(120) {
                bail!(
                    "the machine did not start (systemd says {state:?}: {}); console:\n{}",
                    String::from_utf8_lossy(&output.stderr).trim(),
                    self.console()
                );
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// The container's root directory, as the host sees it.
    pub fn root(&self) -> PathBuf {
        self.dir.join("merged")
    }

    /// Runs `script` in bash as root inside the machine, in root's home directory, with
    /// `set -euo pipefail`, a clean environment plus `env`, and `stdin` as its input.
    pub fn run_with(
        &self,
        script: &str,
        stdin: Option<&str>,
        env: &[(&str, &str)],
    ) -> anyhow::Result<Output> {
        let mut command = Command::new("nsenter");
        command
            .arg("--target")
            .arg(self.leader.to_string())
            .args(["--all", "--wdns=/root", "--", "env", "-i"])
            .args(["HOME=/root", "USER=root", "LOGNAME=root", "LANG=C.UTF-8"])
            .arg(format!("PATH={PATH}"))
            .args(env.iter().map(|(name, value)| format!("{name}={value}")))
            .args(["bash", "-euo", "pipefail", "-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().context("starting nsenter")?;
        let input = stdin.unwrap_or("").to_owned();
        let mut pipe = child.stdin.take().expect("stdin is piped");
        let writer = std::thread::spawn(move || {
            use std::io::Write;
            let _ = pipe.write_all(input.as_bytes());
        });
        let output = child.wait_with_output()?;
        let _ = writer.join();
        Ok(output)
    }

    pub fn run(&self, script: &str, stdin: Option<&str>) -> anyhow::Result<Output> {
        self.run_with(script, stdin, &[])
    }

    /// What the machine's console showed (its boot messages), for error messages.
    pub fn console(&self) -> String {
        std::fs::read_to_string(self.dir.join("console.log")).unwrap_or_default()
    }

    fn mount_overlay(&self) -> anyhow::Result<()> {
        let layers = self.dir.join("layers");
        std::fs::create_dir_all(&layers)?;
        status(
            Command::new("mount")
                .args(["-t", "tmpfs", "-o", "size=4g", "tmpfs"])
                .arg(&layers),
        )
        .context("mounting the machine's tmpfs")?;
        for sub in ["upper", "work"] {
            std::fs::create_dir_all(layers.join(sub))?;
        }
        std::fs::create_dir_all(self.root())?;
        let options = format!(
            "lowerdir=/,upperdir={},workdir={}",
            layers.join("upper").display(),
            layers.join("work").display()
        );
        status(
            Command::new("mount")
                .args(["-t", "overlay", "overlay", "-o", &options])
                .arg(self.root()),
        )
        .context("mounting the machine's overlay")
    }

    /// The container's systemd: the child of systemd-nspawn (it forks once).
    fn wait_for_leader(&mut self, nspawn_pid: u32) -> anyhow::Result<u32> {
        let started = Instant::now();
        loop {
            if let Some(pid) = children(nspawn_pid).into_iter().next() {
                let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
                if comm.trim() == "systemd" {
                    return Ok(pid);
                }
            }
            if let Some(child) = self.nspawn.as_mut() {
                if let Some(exit) = child.try_wait()? {
                    bail!(
                        "systemd-nspawn ended ({exit}); console:\n{}",
                        self.console()
                    );
                }
            }
            if started.elapsed() > Duration::from_secs(60) {
                bail!(
                    "the machine's systemd did not start; console:\n{}",
                    self.console()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Machine {
    fn drop(&mut self) {
        if let Some(mut child) = self.nspawn.take() {
            // SIGTERM asks systemd-nspawn to power the container off cleanly.
            send_signal(child.id(), "TERM");
            let started = Instant::now();
            while child.try_wait().ok().flatten().is_none() {
                if started.elapsed() > Duration::from_secs(30) {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        for mount in [self.root(), self.dir.join("layers")] {
            if mounted(&mount) {
                let _ = Command::new("umount").arg("--lazy").arg(&mount).status();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
        .flat_map(|text| {
            text.split_whitespace()
                .filter_map(|pid| pid.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

fn mounted(path: &Path) -> bool {
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    let path = path.to_string_lossy();
    mounts
        .lines()
        .any(|line| line.split_whitespace().nth(1) == Some(&*path))
}

/// `kill -SIGNAL PID` (the xtask has no libc binding and needs none elsewhere).
fn send_signal(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status();
}
