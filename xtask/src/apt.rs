//! Installing what a step needs from Debian's packages, by name, when it is missing.

use std::path::Path;
use std::process::Command;

use anyhow::Context;

use crate::status;

/// Installs Debian's `package` unless `probe` (a file the package provides) exists.
/// `what` names the need in messages. Runs `apt-get update` first only when the package
/// is not found without it (a fresh machine has no package lists yet).
pub fn ensure(what: &str, probe: &str, package: &str) -> anyhow::Result<()> {
    if Path::new(probe).exists() {
        return Ok(());
    }
    println!("{what} not found; installing Debian's {package} package");
    let install = || {
        let mut command = Command::new("apt-get");
        command
            .args(["install", "-y", "--no-install-recommends", package])
            .env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    if !install().status().is_ok_and(|s| s.success()) {
        status(Command::new("apt-get").arg("update"))?;
        status(&mut install())
            .with_context(|| format!("installing {package} with apt-get (needs root)"))?;
    }
    Ok(())
}
