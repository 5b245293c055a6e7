//! The workspace's debug test build (`cargo test --workspace`), the one native build of
//! `cargo xtask lint` and `cargo xtask test`: clippy lints every target of the workspace's
//! crates while it compiles them (`-D warnings`), and every step of the tests runs from it —
//! the unit tests, the fuzz harness, the server's API tests on PostgreSQL and the server the
//! browser tests start.
//!
//! Two things kept the 2-core CI machine compiling the dependency tree again and again:
//! - `cargo clippy` only checks, so the tests compiled everything a second time (a quarter
//!   of an hour each). Here clippy is the compiler of the workspace's own crates
//!   (`RUSTC_WORKSPACE_WRAPPER=clippy-driver`, as `cargo clippy` runs it, with
//!   `CLIPPY_ARGS` carrying `-D warnings`), so the build that lints is the build the tests
//!   run.
//! - Cargo resolves features per command line, so `cargo build -p jemput-server` or
//!   `cargo test --workspace --test api` after `cargo test --workspace` compile most of the
//!   dependency tree again (about ten minutes each). Every step therefore asks this one
//!   command for its executables (`--no-run --message-format=json`: nothing to do when the
//!   tests have just been built) and runs them itself.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{bail, Context};

use crate::{cargo, status};

/// `cargo test --workspace` with clippy compiling the workspace's crates and denying every
/// warning; dependencies are compiled by rustc as usual.
pub fn cargo_test() -> anyhow::Result<Command> {
    let mut command = cargo();
    command
        .args(["test", "--workspace"])
        .env("RUSTC_WORKSPACE_WRAPPER", clippy_driver()?)
        // cargo clippy's way of passing `-- -D warnings` to the driver.
        .env(
            "CLIPPY_ARGS",
            "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__",
        );
    Ok(command)
}

/// The toolchain's `clippy-driver`, after adding the clippy component when it is missing.
fn clippy_driver() -> anyhow::Result<PathBuf> {
    let which = || {
        Command::new("rustup")
            .args(["which", "clippy-driver"])
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
    };
    if let Some(driver) = which() {
        return Ok(driver);
    }
    status(Command::new("rustup").args(["component", "add", "clippy"]))?;
    which().context("rustup has no clippy-driver after adding clippy")
}

/// The executables of the workspace's test build that the later steps run.
pub struct TestBuild {
    /// `jemput-server`, as the server's integration tests start it.
    pub server: PathBuf,
    /// The sync fuzz harness (`jemput-fuzz-sync`).
    pub fuzz_harness: PathBuf,
    /// The server's API tests (`server/tests/api/`).
    pub api_tests: PathBuf,
}

/// Builds (and lints) the workspace's tests without running them (a no-op right after
/// `cargo test --workspace` through `cargo_test`) and finds the executables in cargo's
/// build messages.
pub fn build() -> anyhow::Result<TestBuild> {
    let mut command = cargo_test()?;
    command
        .arg("--no-run")
        .arg("--message-format=json-render-diagnostics")
        .stderr(Stdio::inherit());
    let output = command
        .output()
        .with_context(|| format!("starting {command:?}"))?;
    if !output.status.success() {
        bail!("building the workspace's tests failed (see above)");
    }
    let artifacts: Vec<(String, String, PathBuf)> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["reason"] == "compiler-artifact")
        .filter_map(|message| {
            let target = &message["target"];
            // A binary's own unit tests come as a `bin` too, built with the test profile.
            let kind = match target["kind"][0].as_str()? {
                "bin" if message["profile"]["test"] == true => "bin unit tests",
                kind => kind,
            }
            .to_owned();
            let name = target["name"].as_str()?.to_owned();
            let executable = PathBuf::from(message["executable"].as_str()?);
            Some((kind, name, executable))
        })
        .collect();
    let find = |kind: &str, name: &str| {
        artifacts
            .iter()
            .find(|(k, n, _)| k == kind && n == name)
            .map(|(_, _, path)| path.clone())
            .with_context(|| format!("the test build made no {kind} `{name}`"))
    };
    Ok(TestBuild {
        server: find("bin", "jemput-server")?,
        fuzz_harness: find("bin", "jemput-fuzz-sync")?,
        api_tests: find("test", "api")?,
    })
}
