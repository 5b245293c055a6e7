//! Installing what a step needs from Debian's packages, by name, when it is missing.

use std::path::Path;
use std::process::Command;

use anyhow::Context;

use crate::status;

/// Installs Debian's `packages` unless every file in `probes` (files they provide)
/// exists. `what` names the need in messages. Runs `apt-get update` first only when the
/// packages are not found without it (a fresh machine has no package lists yet).
pub fn ensure(what: &str, probes: &[&str], packages: &[&str]) -> anyhow::Result<()> {
    if probes.iter().all(|probe| Path::new(probe).exists()) {
        return Ok(());
    }
    install(what, packages)
}

/// Installs Debian's `packages` (see [`ensure`]).
pub fn install(what: &str, packages: &[&str]) -> anyhow::Result<()> {
    let names = packages.join(" ");
    println!("{what} not found; installing Debian's {names}");
    let install = || {
        let mut command = Command::new("apt-get");
        command
            .args(["install", "-y", "--no-install-recommends"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    if !install().status().is_ok_and(|s| s.success()) {
        status(Command::new("apt-get").arg("update"))?;
        status(&mut install())
            .with_context(|| format!("installing {names} with apt-get (needs root)"))?;
    }
    Ok(())
}
