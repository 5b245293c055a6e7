//! The server's own backups (`serve --backup-dir DIR`): every `--backup-every` (24 h by
//! default) a copy named `jemput-<UTC time>.sqlite3` in DIR, made like `backup FILE`
//! ([`super::copy`]), and only the newest `--backup-keep` kept.
//!
//! The oldest are deleted before the new one gets its name, so DIR never holds more than
//! `keep` finished backups, and only files named like this schedule's own are ever
//! deleted. A failed backup is logged at error level and retried at the next turn; it
//! never stops the server. Each success sets `/metrics`' last-backup time
//! (`metrics::backup_succeeded`).
//!
//! The schedule survives restarts: the next backup is due one period after the newest
//! one in DIR (its file's time), so a server restarted every night for an upgrade still
//! backs up daily. A backup that is due, or the first one ever, waits a minute after the
//! start (the period, if shorter), so it does not add to the load of the restart.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::Context;

use super::copy::{prepare, Backup};

const PREFIX: &str = "jemput-";
const SUFFIX: &str = ".sqlite3";

/// When and where the server backs up its database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSchedule {
    /// Where the backups go (`--backup-dir`, `JEMPUT_BACKUP_DIR`); created if missing.
    pub dir: PathBuf,
    /// Time between two backups (`--backup-every`); the first is one period after the
    /// newest backup already in `dir`.
    pub every: Duration,
    /// Backups kept (`--backup-keep`), at least 1.
    pub keep: usize,
}

impl BackupSchedule {
    pub const DEFAULT_EVERY: Duration = Duration::from_secs(24 * 3_600);
    pub const DEFAULT_KEEP: usize = 7;
}

/// Runs `schedule` for the database at `database` until the process ends.
pub fn spawn(database: PathBuf, schedule: BackupSchedule) {
    tokio::spawn(async move {
        let newest = newest_backup(&schedule.dir);
        if let Some(at) = newest {
            crate::metrics::backup_succeeded(at);
        }
        let first = first_delay(newest, SystemTime::now(), schedule.every);
        let mut ticks =
            tokio::time::interval_at(tokio::time::Instant::now() + first, schedule.every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let (database, schedule) = (database.clone(), schedule.clone());
            let done = tokio::task::spawn_blocking(move || run_once(&database, &schedule)).await;
            match done {
                Ok(Ok(backup)) => {
                    crate::metrics::backup_succeeded(std::time::SystemTime::now());
                    tracing::info!(
                        file = %backup.path.display(),
                        bytes = backup.bytes,
                        seconds = backup.elapsed.as_secs_f64(),
                        registrations = backup.checked.registrations,
                        "backup written"
                    );
                }
                Ok(Err(error)) => tracing::error!(error = format!("{error:#}"), "backup failed"),
                Err(error) => tracing::error!(%error, "backup failed"),
            }
        }
    });
}

/// When the newest of this schedule's backups in `dir` was written, if there is one.
fn newest_backup(dir: &Path) -> Option<SystemTime> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_str().is_some_and(is_scheduled))
        .filter_map(|entry| entry.metadata().ok()?.modified().ok())
        .max()
}

/// How long after the start the first backup runs: one period after the `newest` (never
/// more than a period from now, should the clock have gone back), but not before a
/// minute (or the period, if shorter) has passed.
fn first_delay(newest: Option<SystemTime>, now: SystemTime, every: Duration) -> Duration {
    let settle = every.min(Duration::from_secs(60));
    let due = newest
        .map(|newest| (newest + every).duration_since(now).unwrap_or_default())
        .unwrap_or_default();
    due.min(every).max(settle)
}

/// One scheduled backup: the copy, the rotation, the final name.
fn run_once(database: &Path, schedule: &BackupSchedule) -> anyhow::Result<Backup> {
    std::fs::create_dir_all(&schedule.dir)
        .with_context(|| format!("cannot create {}", schedule.dir.display()))?;
    let name = format!("{PREFIX}{}{SUFFIX}", super::utc_stamp(super::unix_now()));
    let prepared = prepare(database, &schedule.dir.join(name))?;
    rotate(&schedule.dir, schedule.keep.saturating_sub(1))?;
    prepared.publish()
}

/// Deletes this schedule's oldest backups in `dir` until at most `keep` are left.
fn rotate(dir: &Path, keep: usize) -> anyhow::Result<()> {
    let mut backups = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let entry = entry?;
        if let Some(name) = entry.file_name().to_str().filter(|name| is_scheduled(name)) {
            backups.push(name.to_owned());
        }
    }
    // The UTC stamp sorts by time.
    backups.sort_unstable();
    let excess = backups.len().saturating_sub(keep);
    for name in &backups[..excess] {
        let path = dir.join(name);
        std::fs::remove_file(&path)
            .with_context(|| format!("cannot delete the old backup {}", path.display()))?;
        tracing::info!(file = %path.display(), "old backup deleted");
    }
    Ok(())
}

/// `jemput-20261204T192512Z.sqlite3`, and nothing else.
fn is_scheduled(name: &str) -> bool {
    let Some(stamp) = name
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.strip_suffix(SUFFIX))
    else {
        return false;
    };
    let bytes = stamp.as_bytes();
    bytes.len() == 16
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 => *b == b'T',
            15 => *b == b'Z',
            _ => b.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_backup_is_a_period_after_the_newest_and_never_right_at_the_start() {
        let day = Duration::from_secs(86_400);
        let minute = Duration::from_secs(60);
        let now = SystemTime::UNIX_EPOCH + 100 * day;
        // None yet, or one overdue (the server was down): a minute after the start.
        assert_eq!(first_delay(None, now, day), minute);
        assert_eq!(first_delay(Some(now - 3 * day), now, day), minute);
        // Restarted 6 hours after the last one: 18 hours to go, not 24.
        let six_hours = Duration::from_secs(6 * 3_600);
        assert_eq!(
            first_delay(Some(now - six_hours), now, day),
            day - six_hours
        );
        // A short period settles for the period only.
        let second = Duration::from_secs(1);
        assert_eq!(first_delay(None, now, second), second);
        // A clock that went back: no later than one period from now.
        assert_eq!(first_delay(Some(now + day), now, day), day);
    }

    #[test]
    fn only_names_the_schedule_writes_are_its_own() {
        assert!(is_scheduled("jemput-20261204T192512Z.sqlite3"));
        assert!(is_scheduled(&format!(
            "{PREFIX}{}{SUFFIX}",
            crate::backup::utc_stamp(1_796_412_312)
        )));
        for other in [
            "jemput.sqlite3",
            "jemput-before-upgrade.sqlite3",
            ".jemput-20261204T192512Z.sqlite3.partial",
            "jemput-20261204T192512Z.sqlite3-wal",
            "jemput-2026-12-04T19:25:12Z.sqlite3",
        ] {
            assert!(!is_scheduled(other), "{other}");
        }
    }

    #[test]
    fn rotation_keeps_the_newest_and_leaves_other_files_alone() {
        let dir = tempfile::tempdir().unwrap();
        let names = [
            "jemput-20261201T000000Z.sqlite3",
            "jemput-20261202T000000Z.sqlite3",
            "jemput-20261203T000000Z.sqlite3",
            "keep-me.sqlite3",
        ];
        for name in names {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        rotate(dir.path(), 1).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["jemput-20261203T000000Z.sqlite3", "keep-me.sqlite3"]);
    }
}
