//! The PostgreSQL failover test's step in `cargo xtask test`: installs pg_auto_failover
//! when it is missing (Debian's `pg-auto-failover-cli`, with `pg_autoctl`, and
//! `postgresql-NN-auto-failover`, the monitor's extension, for the newest installed
//! server), then runs the server's `failover::` test with `JEMPUT_TEST_FAILOVER` set. The
//! test sets up its own monitor, primary and synchronous secondary
//! (`server/tests/api/harness/failover_cluster.rs`) and prints the failover's numbers.

use std::path::Path;
use std::process::Command;

use anyhow::Context;

use crate::{postgres, status};

/// Runs the failover test of the built `api` test binary (see test_build), from the
/// server's directory as `cargo test` runs it.
pub fn test(api_tests: &Path) -> anyhow::Result<()> {
    install()?;
    println!("Running the PostgreSQL failover test (pg_auto_failover)");
    status(
        Command::new(api_tests)
            .current_dir(crate::workspace_root().join("server"))
            .env("JEMPUT_TEST_FAILOVER", "1")
            .args(["failover::", "--nocapture"]),
    )
}

fn install() -> anyhow::Result<()> {
    let bin = postgres::server_binaries()?;
    let version = bin
        .parent()
        .and_then(Path::file_name)
        .and_then(|v| v.to_str())
        .context("a /usr/lib/postgresql/NN/bin directory")?
        .to_owned();
    let extension = format!("/usr/share/postgresql/{version}/extension/pgautofailover.control");
    let package = format!("postgresql-{version}-auto-failover");
    crate::apt::ensure(
        "pg_auto_failover",
        &["/usr/bin/pg_autoctl", &extension],
        &["pg-auto-failover-cli", &package],
    )
}
