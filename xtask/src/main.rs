//! Build chores for Jemput, in Rust: `cargo xtask run` sets up and starts the whole system,
//! `cargo xtask test` runs every test. Both work on a fresh clone: each installs what it
//! needs first.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(),
        _ => {
            eprintln!("usage: cargo xtask run [--addr HOST:PORT] [--data-dir DIR]\n       cargo xtask test");
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

fn status(command: &mut Command) -> anyhow::Result<()> {
    let status = command
        .status()
        .with_context(|| format!("starting {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed with {status}");
    }
    Ok(())
}

/// The Bengkulu region lists shipped beside the repository (see ../shared/data/regions).
fn region_data_dir() -> Option<PathBuf> {
    let dir = workspace_root().join("../shared/data/regions");
    dir.join("regencies.csv").exists().then_some(dir)
}

fn run(args: &[String]) -> anyhow::Result<()> {
    let mut addr = "127.0.0.1:8080".to_owned();
    let mut data_dir = workspace_root().join("data");
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--addr" => addr = rest.next().context("--addr needs a value")?.clone(),
            "--data-dir" => data_dir = rest.next().context("--data-dir needs a value")?.into(),
            other => bail!("unknown option {other}"),
        }
    }
    status(cargo().args([
        "build",
        "--release",
        "-p",
        "jemput-server",
        "--bin",
        "jemput-server",
    ]))?;
    let server = workspace_root().join("target/release/jemput-server");
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
    println!(
        "Starting Jemput on http://{addr} (data in {})",
        data_dir.display()
    );
    status(
        Command::new(&server)
            .args(["serve", "--addr", &addr])
            .arg("--data-dir")
            .arg(&data_dir),
    )
}

fn test() -> anyhow::Result<()> {
    status(cargo().args(["test", "--workspace", "--exclude", "jemput-app"]))?;
    // The browser app must keep compiling for the browser.
    status(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    status(cargo().args([
        "build",
        "-p",
        "jemput-app",
        "--target",
        "wasm32-unknown-unknown",
    ]))?;
    Ok(())
}
