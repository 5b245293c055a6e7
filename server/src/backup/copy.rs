//! A consistent copy of the live SQLite database: `VACUUM INTO` a temporary file beside
//! the target, flush it, check it, then rename it to its final name.
//!
//! `VACUUM INTO` reads the database in one read transaction, so the copy is the database
//! at one instant, and in WAL mode the server's writer goes on committing meanwhile (the
//! WAL grows a little until the copy ends and the checkpointer catches up). It writes a
//! compact file, free pages left out. SQLite's online backup API was the alternative: it
//! copies pages, but from another process it restarts whenever the server commits, which
//! during a sync storm may be forever.
//!
//! A half-written or failed copy only ever has the temporary name (`.NAME.partial`); the
//! final name appears, atomically, once the copy is whole and checked.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use rusqlite::{Connection, OpenFlags};

use super::check::{check_copy, parent_dir, sync_dir, sync_file, Checked};

/// How long the copy waits for a lock the server holds (it only needs a read snapshot,
/// which WAL gives at once; a checkpoint restarting the WAL may hold it for a moment).
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A backup written and checked.
#[derive(Debug, Clone)]
pub struct Backup {
    pub path: PathBuf,
    pub bytes: u64,
    pub elapsed: Duration,
    pub checked: Checked,
}

impl fmt::Display for Backup {
    /// One line for the operator: how many, how big, how long; no personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "backed up {} registrations ({} bytes, schema version {}) to {} in {:.1} s",
            self.checked.registrations,
            self.bytes,
            self.checked.schema_version,
            self.path.display(),
            self.elapsed.as_secs_f64()
        )
    }
}

/// A checked copy still under its temporary name.
pub(crate) struct Prepared {
    partial: PathBuf,
    target: PathBuf,
    started: Instant,
    checked: Checked,
}

/// Copies the database at `database` (a server may be using it) to `target`.
pub fn back_up(database: &Path, target: &Path) -> anyhow::Result<Backup> {
    prepare(database, target)?.publish()
}

/// Writes and checks the copy under a temporary name beside `target`.
pub(crate) fn prepare(database: &Path, target: &Path) -> anyhow::Result<Prepared> {
    let started = Instant::now();
    if !database.is_file() {
        bail!("there is no database at {}", database.display());
    }
    let Some(name) = target.file_name().and_then(|name| name.to_str()) else {
        bail!("{} is not a file name", target.display());
    };
    if !parent_dir(target).is_dir() {
        bail!("there is no directory {}", parent_dir(target).display());
    }
    if is_part_of(target, database) {
        bail!(
            "{} would replace the database or its journal; back up to another file",
            target.display()
        );
    }
    let partial = target.with_file_name(format!(".{name}.partial"));
    let Some(partial_text) = partial.to_str() else {
        bail!(
            "{} is not valid UTF-8, which SQLite needs",
            partial.display()
        );
    };
    // Left by a copy that was interrupted; VACUUM INTO refuses to write over it.
    remove_if_present(&partial)?;
    let copied = copy_into(database, partial_text)
        .and_then(|()| sync_file(&partial))
        .and_then(|()| check_copy(&partial).context("the copy failed its check"));
    match copied {
        Ok(checked) => Ok(Prepared {
            partial,
            target: target.to_owned(),
            started,
            checked,
        }),
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            Err(error)
        }
    }
}

impl Prepared {
    /// Gives the copy its final name, durably.
    pub(crate) fn publish(self) -> anyhow::Result<Backup> {
        // check_copy changed the file (its journal mode); flush that too.
        sync_file(&self.partial)?;
        let bytes = std::fs::metadata(&self.partial)?.len();
        std::fs::rename(&self.partial, &self.target).with_context(|| {
            format!(
                "cannot rename {} to {}",
                self.partial.display(),
                self.target.display()
            )
        })?;
        sync_dir(parent_dir(&self.target))?;
        Ok(Backup {
            path: self.target,
            bytes,
            elapsed: self.started.elapsed(),
            checked: self.checked,
        })
    }
}

fn copy_into(database: &Path, partial: &str) -> anyhow::Result<()> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(database, flags)
        .with_context(|| format!("cannot open {}", database.display()))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.execute("VACUUM INTO ?1", [partial])
        .with_context(|| format!("cannot copy {} (VACUUM INTO)", database.display()))?;
    Ok(())
}

/// Whether `target` names `database` or one of its companions (`-wal`, `-shm`): the
/// final rename would then put the copy in place of the live file.
fn is_part_of(target: &Path, database: &Path) -> bool {
    let dir = |path: &Path| std::fs::canonicalize(parent_dir(path)).ok();
    let (Some(name), Some(database_name)) = (target.file_name(), database.file_name()) else {
        return false;
    };
    dir(target) == dir(database)
        && name
            .as_encoded_bytes()
            .starts_with(database_name.as_encoded_bytes())
}

pub(crate) fn remove_if_present(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error).with_context(|| format!("cannot remove {}", path.display())),
    }
}
