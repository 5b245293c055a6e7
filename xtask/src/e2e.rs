//! `cargo xtask e2e` (and the end of `cargo xtask test`): the real-browser tests in
//! `tests/e2e/`. Installs what they need when missing — Debian's `chromium`, the npm
//! packages of `tests/e2e/package-lock.json` (`playwright-core` only: it downloads no
//! browser) — builds the app and takes the server from the workspace's test build
//! (`test_build`), then runs `node --test`.

use std::path::Path;
use std::process::Command;

use anyhow::Context;

use crate::{region_data_dir, status, test_build, web, workspace_root};

const CHROMIUM: &str = "/usr/bin/chromium";

pub fn run() -> anyhow::Result<()> {
    run_with(&test_build::build()?.server)
}

/// The browser tests against `server`, a debug server of the workspace's test build.
pub fn run_with(server: &Path) -> anyhow::Result<()> {
    run_node(server, &["--test", "--test-concurrency=1", "tests/"])
}

/// `cargo xtask bench-app`: the officer app's figures in headless Chromium
/// (`tests/e2e/bench/officer.mjs`, median of 3 runs).
pub fn bench(args: &[String]) -> anyhow::Result<()> {
    let mut node_args = vec!["bench/officer.mjs"];
    node_args.extend(args.iter().map(String::as_str));
    run_node(&test_build::build()?.server, &node_args)
}

fn run_node(server: &Path, node_args: &[&str]) -> anyhow::Result<()> {
    ensure_chromium()?;
    let e2e = workspace_root().join("tests/e2e");
    if !e2e.join("node_modules/playwright-core").is_dir() {
        status(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&e2e),
        )
        .context("installing the e2e tests' npm packages (is npm installed?)")?;
    }
    web::build(false)?;
    let mut node = Command::new("node");
    node.args(node_args)
        .current_dir(&e2e)
        .env("JEMPUT_SERVER_BIN", server)
        .env("JEMPUT_WEB_DIR", web::web_dir())
        .env("CHROMIUM_PATH", CHROMIUM);
    match region_data_dir() {
        Some(dir) => node.env("JEMPUT_REGIONS_DIR", dir),
        None => node.env_remove("JEMPUT_REGIONS_DIR"),
    };
    status(&mut node)
}

/// Debian's Chromium (a registry package, not a browser download).
fn ensure_chromium() -> anyhow::Result<()> {
    crate::apt::ensure("Chromium", &[CHROMIUM], &["chromium"])
}
