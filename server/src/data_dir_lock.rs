//! The data directory's lock: a server on SQLite holds an exclusive lock on
//! `jemput.lock` in its data directory for as long as it runs, and `restore` takes the
//! same lock, so a restore never replaces the database under a running server (and a
//! server never starts in the middle of a restore).
//!
//! An advisory `flock` (`File::try_lock`) on a file of its own, not on the database: the
//! kernel drops it when the process ends, however it ends (a SIGKILL or a power cut leaves
//! no stale lock to clean up), and SQLite's own locks on the database file stay SQLite's.
//! The CLI's other commands (`user add`, `backup` …) do not take it: SQLite lets them
//! share the database with the server.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// The lock file's name inside the data directory.
pub const LOCK_FILE: &str = "jemput.lock";

/// Held while it lives; dropping it releases the lock.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
    path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "{} is in use by a running jemput-server (or a restore): stop it first",
        .0.display()
    )]
    Held(PathBuf),
    #[error("cannot lock {}: {error}", .dir.display())]
    Io { dir: PathBuf, error: std::io::Error },
}

impl DataDirLock {
    /// Locks `data_dir` (created if missing), or says who holds it.
    pub fn acquire(data_dir: &Path) -> Result<DataDirLock, LockError> {
        let io = |error| LockError::Io {
            dir: data_dir.to_owned(),
            error,
        };
        std::fs::create_dir_all(data_dir).map_err(io)?;
        let path = data_dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(DataDirLock { _file: file, path }),
            Err(TryLockError::WouldBlock) => Err(LockError::Held(data_dir.to_owned())),
            Err(TryLockError::Error(error)) => Err(io(error)),
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_locked_data_dir_cannot_be_locked_again_until_released() {
        let dir = tempfile::tempdir().unwrap();
        let first = DataDirLock::acquire(dir.path()).unwrap();
        assert!(matches!(
            DataDirLock::acquire(dir.path()),
            Err(LockError::Held(_))
        ));
        drop(first);
        DataDirLock::acquire(dir.path()).unwrap();
    }

    #[test]
    fn a_missing_data_dir_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("new").join("data");
        let lock = DataDirLock::acquire(&data).unwrap();
        assert!(lock.path().is_file());
    }
}
