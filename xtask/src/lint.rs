//! `cargo xtask lint`: the gate every change passes before the tests (`.ci/run`).
//!
//! - `cargo fmt --all --check`;
//! - clippy with `-D warnings` on every target of the workspace for this machine, as the
//!   compiler of the workspace's debug test build (`test_build`: the build that lints is
//!   the build `cargo xtask test` runs, instead of a check and a build of the same code);
//! - clippy for `wasm32-unknown-unknown`, where the browser apps run: once per app, as
//!   `cargo xtask build-app` builds them, since built together the supervisor's app would
//!   borrow the officer's features of `jemput-shared` and code behind
//!   `#[cfg(not(feature = "documents"))]` would go unchecked. Each run lints the app and
//!   the workspace crates it uses (`jemput-app-common`, `jemput-shared`).
//!
//! The lints themselves are `[workspace.lints]` in the root `Cargo.toml`. Like the other
//! commands it installs what it needs first (rustfmt, clippy, the wasm target), so it
//! works on a fresh clone.

use std::process::Command;

use crate::{cargo, status, test_build};

/// The browser apps, linted one at a time for the browser's target.
const WASM_APPS: [&str; 2] = ["jemput-officer", "jemput-supervisor"];

pub fn run() -> anyhow::Result<()> {
    status(Command::new("rustup").args(["component", "add", "rustfmt", "clippy"]))?;
    status(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    status(cargo().args(["fmt", "--all", "--check"]))?;
    test_build::build()?;
    for app in WASM_APPS {
        status(cargo().args([
            "clippy",
            "-p",
            app,
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ]))?;
    }
    Ok(())
}
