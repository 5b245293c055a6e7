//! `cargo xtask dist`: what an office installs on its server, in one archive
//! (`target/dist/jemput-VERSION-linux-ARCH.tar.gz`), built here in release:
//!
//! - `bin/jemput-server` — the server (SQLite built in; needs only the C library);
//! - `web/` — the browser apps it serves (`cargo xtask build-app`);
//! - `regions/` — the official region list to import, when this checkout has it;
//! - `deploy/` — the systemd unit, its settings file and the Caddy configuration
//!   (`server/deploy/`);
//! - `doc/` — the operator's pages (`docs/deploy.md` and the pages it links to).
//!
//! docs/deploy.md says what to do with it; `deploy_check.rs` does exactly that.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;

use crate::{region_data_dir, release_server, status, web, workspace_root};

/// The operator's pages shipped in `doc/`: the guide and the pages it links to.
const OPERATOR_PAGES: &[&str] = &[
    "deploy.md",
    "backup.md",
    "upgrade.md",
    "metrics.md",
    "failover.md",
];

/// Builds the archive and prints its path; returns it.
pub fn run(args: &[String]) -> anyhow::Result<PathBuf> {
    if let Some(other) = args.first() {
        anyhow::bail!("unknown option {other}");
    }
    web::build(false)?;
    let server = release_server()?;

    let name = format!(
        "jemput-{}-linux-{}",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH
    );
    let dist = workspace_root().join("target/dist");
    let tree = dist.join(&name);
    let _ = std::fs::remove_dir_all(&tree);
    std::fs::create_dir_all(tree.join("bin"))?;
    copy(&server, &tree.join("bin/jemput-server"))?;
    copy_dir(&web::web_dir(), &tree.join("web"))?;
    copy_dir(
        &workspace_root().join("server/deploy"),
        &tree.join("deploy"),
    )?;
    match region_data_dir() {
        Some(regions) => copy_dir(&regions, &tree.join("regions"))?,
        None => println!(
            "warning: no region list (../shared/data/regions or JEMPUT_REGIONS_DIR); the \
             archive has none, import one later"
        ),
    }
    std::fs::create_dir_all(tree.join("doc"))?;
    for page in OPERATOR_PAGES {
        let source = workspace_root().join("docs").join(page);
        if source.exists() {
            copy(&source, &tree.join("doc").join(page))?;
        }
    }

    let archive = dist.join(format!("{name}.tar.gz"));
    status(
        Command::new("tar")
            .arg("-C")
            .arg(&dist)
            .args(["--owner=0", "--group=0", "-czf"])
            .arg(&archive)
            .arg(&name),
    )
    .context("packing the archive")?;
    println!("{}", archive.display());
    Ok(archive)
}

fn copy(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::copy(from, to)
        .with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            copy(&entry.path(), &target)?;
        }
    }
    Ok(())
}
