//! `jemput-server restore FILE`: puts a backup back as the data directory's database.
//!
//! Under the data directory's lock ([`DataDirLock`]), so never under a running server.
//! The backup is copied in under a temporary name and checked there (the user's file is
//! never changed); only a copy that passes replaces anything. The database it replaces is
//! kept, renamed aside with the time of the restore (its `-wal` beside it under the
//! matching name, so it stays whole), never deleted: an operator who restored the wrong
//! file can go back.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use super::check::{check_copy, sync_dir, sync_file, Checked};
use super::copy::remove_if_present;
use crate::data_dir_lock::DataDirLock;
use crate::store::sqlite::DATABASE_FILE;

/// What a restore did.
#[derive(Debug, Clone)]
pub struct Restored {
    pub database: PathBuf,
    pub bytes: u64,
    pub elapsed: Duration,
    pub checked: Checked,
    /// Where the database it replaced now is, if there was one.
    pub replaced: Option<PathBuf>,
}

impl fmt::Display for Restored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "restored {} registrations ({} bytes, schema version {}) into {} in {:.1} s",
            self.checked.registrations,
            self.bytes,
            self.checked.schema_version,
            self.database.display(),
            self.elapsed.as_secs_f64()
        )?;
        if let Some(replaced) = &self.replaced {
            write!(
                f,
                "\nthe database it replaced is kept as {}",
                replaced.display()
            )?;
        }
        Ok(())
    }
}

/// Restores `backup` into `data_dir` (created if missing).
pub fn restore(backup: &Path, data_dir: &Path) -> anyhow::Result<Restored> {
    let started = Instant::now();
    let _lock = DataDirLock::acquire(data_dir)?;
    if !backup.is_file() {
        bail!("there is no backup file at {}", backup.display());
    }
    let database = data_dir.join(DATABASE_FILE);
    let incoming = data_dir.join(format!(".{DATABASE_FILE}.restoring"));
    remove_if_present(&incoming)?;
    let checked = std::fs::copy(backup, &incoming)
        .with_context(|| {
            format!(
                "cannot copy {} into {}",
                backup.display(),
                data_dir.display()
            )
        })
        .and_then(|_| check_copy(&incoming))
        .and_then(|checked| sync_file(&incoming).map(|()| checked));
    let checked = match checked {
        Ok(checked) => checked,
        Err(error) => {
            let _ = std::fs::remove_file(&incoming);
            return Err(error.context(format!(
                "{} cannot be restored; nothing was changed",
                backup.display()
            )));
        }
    };
    let bytes = std::fs::metadata(&incoming)?.len();
    let replaced = set_aside(&database)?;
    std::fs::rename(&incoming, &database).with_context(|| {
        format!(
            "cannot rename {} to {}",
            incoming.display(),
            database.display()
        )
    })?;
    sync_dir(data_dir)?;
    Ok(Restored {
        database,
        bytes,
        elapsed: started.elapsed(),
        checked,
        replaced,
    })
}

/// Renames the current database (and its `-wal`, `-journal`) aside; its `-shm` is only
/// an index of the WAL, rebuilt from it, so it goes.
fn set_aside(database: &Path) -> anyhow::Result<Option<PathBuf>> {
    let with_suffix = |path: &Path, suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    let present = |path: &Path| path.symlink_metadata().is_ok();
    let stamp = super::utc_stamp(super::unix_now());
    // A second restore within the same second must not overwrite the first one's.
    let aside = (0u32..)
        .map(|n| match n {
            0 => with_suffix(database, &format!(".before-restore-{stamp}")),
            n => with_suffix(database, &format!(".before-restore-{stamp}-{n}")),
        })
        .find(|aside| !present(aside) && !present(&with_suffix(aside, "-wal")))
        .context("no free name to keep the replaced database under")?;
    let had_database = present(database);
    for suffix in ["", "-wal", "-journal"] {
        let from = with_suffix(database, suffix);
        if present(&from) {
            let to = with_suffix(&aside, suffix);
            std::fs::rename(&from, &to)
                .with_context(|| format!("cannot rename {} to {}", from.display(), to.display()))?;
        }
    }
    remove_if_present(&with_suffix(database, "-shm"))?;
    Ok(had_database.then_some(aside))
}
